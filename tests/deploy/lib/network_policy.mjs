// Evaluates rendered NetworkPolicies the way the Kubernetes API defines them (a connection passes
// when the source's egress and the destination's ingress both allow it; a pod no policy of a
// direction selects is open in that direction) and checks the casework suite's matrix both ways:
// the paths it needs are open, the others closed.

function labelsMatch(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels?.[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = labels && Object.hasOwn(labels, e.key);
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const namespaceLabels = (namespace) => ({ 'kubernetes.io/metadata.name': namespace });

// Does `peer` (a NetworkPolicyPeer of a policy in `policyNamespace`) match endpoint `e`?
// Endpoints: { namespace, labels, ports } for pods, { external: true } for addresses outside.
function peerMatches(peer, policyNamespace, e) {
  if (peer.ipBlock) return Boolean(e.external);
  if (e.external) return false;
  const inNamespace = peer.namespaceSelector
    ? labelsMatch(peer.namespaceSelector, namespaceLabels(e.namespace))
    : e.namespace === policyNamespace;
  const podMatch = peer.podSelector ? labelsMatch(peer.podSelector, e.labels) : true;
  return inNamespace && podMatch;
}

function portMatches(rulePorts, destination, port) {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => {
    if ((p.protocol ?? 'TCP') !== (port.protocol ?? 'TCP')) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.port === port.number || (p.endPort && port.number >= p.port && port.number <= p.endPort);
    return destination.ports?.[p.port] === port.number;  // named port of the destination pod
  });
}

const selects = (policy, e) => !e.external &&
  (policy.metadata?.namespace ?? '') === e.namespace && labelsMatch(policy.spec.podSelector, e.labels);

const types = (policy) => policy.spec.policyTypes ??
  (policy.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);

export function allowed(policies, source, destination, port) {
  const egressPolicies = policies.filter((p) => types(p).includes('Egress') && selects(p, source));
  const egressOk = egressPolicies.length === 0 || egressPolicies.some((p) => (p.spec.egress ?? []).some((rule) =>
    (!rule.to || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, p.metadata?.namespace ?? '', destination))) &&
    portMatches(rule.ports, destination, port)));
  const ingressPolicies = policies.filter((p) => types(p).includes('Ingress') && selects(p, destination));
  const ingressOk = ingressPolicies.length === 0 || ingressPolicies.some((p) => (p.spec.ingress ?? []).some((rule) =>
    (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, p.metadata?.namespace ?? '', source))) &&
    portMatches(rule.ports, destination, port)));
  return egressOk && ingressOk;
}

// Pods of the render's workloads, by app.kubernetes.io/name.
function podsOf(objects) {
  const pods = {};
  for (const w of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const ports = {};
    for (const c of w.spec.template.spec.containers) for (const p of c.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
    pods[w.metadata.name] = { namespace: w.metadata.namespace ?? '', labels: w.spec.template.metadata.labels, ports };
  }
  return pods;
}

export function evaluateNetworkMatrix(objects) {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  if (!policies.length) return ['network: no NetworkPolicy in the render'];
  const pods = podsOf(objects);
  const names = ['casework-session', 'casework-records', 'casework-notification', 'casework-redis'];
  for (const name of names) if (!pods[name]) return [`network: no workload ${name}`];
  const namespace = pods['casework-session'].namespace;
  const prometheus = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: {} };
  const otherNamespace = { namespace: 'platform', labels: { app: 'frontend' }, ports: {} };
  const sameNamespaceStranger = { namespace, labels: { app: 'debug' }, ports: {} };
  const external = { external: true };
  const dns = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ports: { dns: 53 } };
  const tcp = (number) => ({ number, protocol: 'TCP' });
  const { 'casework-session': session, 'casework-records': records, 'casework-notification': notification,
    'casework-redis': redis } = pods;

  const expectations = [
    // needed paths
    ['session → records gRPC', session, records, tcp(50052), true],
    ['session → Redis', session, redis, tcp(6379), true],
    ['notification → records gRPC', notification, records, tcp(50052), true],
    ['notification → Redis', notification, redis, tcp(6379), true],
    ['client in another namespace → session gRPC', otherNamespace, session, tcp(50051), true],
    ['external client → session gRPC', external, session, tcp(50051), true],
    ['external client → records gRPC', external, records, tcp(50052), true],
    ['external client → notification gRPC', external, notification, tcp(50053), true],
    ['Prometheus (monitoring) → session metrics', prometheus, session, tcp(9464), true],
    ['Prometheus (monitoring) → records metrics', prometheus, records, tcp(9465), true],
    ['Prometheus (monitoring) → notification metrics', prometheus, notification, tcp(9466), true],
    ['Prometheus (monitoring) → Redis exporter metrics', prometheus, redis, tcp(9121), true],
    ['records → PostgreSQL (the records store)', records, external, tcp(5432), true],
    ...names.map((n) => [`${n} → cluster DNS`, pods[n], dns, { number: 53, protocol: 'UDP' }, true]),
    // everything else closed
    ['records → Redis', records, redis, tcp(6379), false],
    ['records → session gRPC', records, session, tcp(50051), false],
    ['session → notification gRPC', session, notification, tcp(50053), false],
    ['notification → session gRPC', notification, session, tcp(50051), false],
    ['session → the internet', session, external, tcp(443), false],
    ['records → the internet', records, external, tcp(443), false],
    ['session → PostgreSQL', session, external, tcp(5432), false],
    ['notification → PostgreSQL', notification, external, tcp(5432), false],
    ['Redis → records gRPC', redis, records, tcp(50052), false],
    ['another namespace → Redis', otherNamespace, redis, tcp(6379), false],
    ['same-namespace stranger → Redis', sameNamespaceStranger, redis, tcp(6379), false],
    ['external → Redis', external, redis, tcp(6379), false],
    ['another namespace → session metrics', otherNamespace, session, tcp(9464), false],
    ['same-namespace stranger → records metrics', sameNamespaceStranger, records, tcp(9465), false],
    ['external → notification metrics', external, notification, tcp(9466), false],
    ['another namespace → Redis exporter metrics', otherNamespace, redis, tcp(9121), false],
  ];
  const errors = [];
  for (const [what, source, destination, port, expected] of expectations) {
    const actual = allowed(policies, source, destination, port);
    if (actual !== expected) {
      errors.push(`network: ${what} (port ${port.number}) is ${actual ? 'allowed' : 'denied'}, must be ${expected ? 'allowed' : 'denied'}`);
    }
  }
  return errors;
}
