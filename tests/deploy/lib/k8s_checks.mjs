// Checks of rendered Kubernetes objects: schema validation with kubernetes-models (strict: unknown
// fields are errors too), then our own policies (docs/DEPLOYMENT.md, "What script/test checks").
// Every error starts with the policy's name ("schema:", "security:", "probe:", ...) so the
// validator's own test (check_validators.mjs) can tell which policy caught a broken manifest.
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';

import { binaryFlags, parseDuration } from './common.mjs';
import { evaluateNetworkMatrix } from './network_policy.mjs';

const require = createRequire(import.meta.url);

// The casework services: workload name → what the checks expect of it. `stateless: 'postgres'`:
// stateless only when its --store is a postgresql:// URI (records; on SQLite it is a single writer).
export const CASEWORK_SERVICES = {
  'casework-session': { container: 'session', binary: 'casework-session', grpcService: 'casework.v1.SessionService', grpc: 50051, metrics: 9464, stateless: true },
  'casework-records': { container: 'records', binary: 'casework-records', grpcService: 'casework.v1.RecordsService', grpc: 50052, metrics: 9465, stateless: 'postgres' },
  'casework-notification': { container: 'notification', binary: 'casework-notification', grpcService: 'casework.v1.NotificationService', grpc: 50053, metrics: 9466, stateless: true },
};
const RECOMMENDED_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of'];
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet']);

function modelClass(apiVersion, kind) {
  try {
    const module = apiVersion === 'monitoring.coreos.com/v1'
      ? require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1')
      : require(`kubernetes-models/${apiVersion}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

// Wraps `value` so that every property the validator reads is recorded per object path.
function recordReads(value, path, seen) {
  if (value === null || typeof value !== 'object') return value;
  const entry = { value, read: new Set(), children: new Map() };
  seen.set(path, entry);
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return child;
      entry.read.add(key);
      if (!Object.hasOwn(target, key) || child === null || typeof child !== 'object') return child;
      if (!entry.children.has(key)) entry.children.set(key, recordReads(child, `${path}/${key}`, seen));
      return entry.children.get(key);
    },
  });
}

// Schema errors of one object, including fields the schema does not know. kubernetes-models'
// validators accept unknown fields (their schemas allow additional properties), so a misspelt
// `readinesProbe` would pass; a typed object's validator reads each property it knows, so any own
// key it never read is unknown.
export function schemaErrors(object) {
  if (object.kind === 'Secret' && object.data) {
    // kustomize folds long base64 values over lines; the API server's decoder skips the newlines,
    // the schema's "byte" format does not.
    object = { ...object, data: Object.fromEntries(Object.entries(object.data).map(([k, v]) => [k, String(v).replace(/\n/g, '')])) };
  }
  const where = `${object.kind ?? '?'}/${object.metadata?.name ?? '?'}`;
  const Model = modelClass(object.apiVersion, object.kind);
  if (!Model) return [`schema: ${where}: no schema for apiVersion ${object.apiVersion} kind ${object.kind}`];
  const errors = [];
  const seen = new Map();
  try {
    Model.prototype.validate.call(recordReads(object, '', seen));
  } catch (error) {
    errors.push(`schema: ${where}: ${error.message}`);
  }
  for (const [path, { value, read }] of seen) {
    if (Array.isArray(value) || read.size === 0) continue;  // arrays; opaque objects
    for (const key of Object.keys(value)) {
      if (!read.has(key)) errors.push(`schema: ${where}: unknown field ${path}/${key}`);
    }
  }
  return errors;
}

const nameOf = (o) => `${o.kind}/${o.metadata?.name}`;
const byKind = (objects, kind) => objects.filter((o) => o.kind === kind);
// Whether `name` is `wanted`, possibly with the hash suffix kustomize's generators add.
const isNamed = (name, wanted) => name === wanted || new RegExp(`^${wanted}-[a-z0-9]{10}$`).test(name ?? '');

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

// Environment of a container as the kubelet builds it (envFrom, then env), for $(VAR) expansion.
function containerEnvironment(container, objects, namespace) {
  const env = new Map();
  const configMap = (name) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === name &&
    (o.metadata?.namespace ?? namespace) === namespace);
  for (const source of container.envFrom ?? []) {
    const map = source.configMapRef && configMap(source.configMapRef.name);
    for (const [k, v] of Object.entries(map?.data ?? {})) env.set(k, v);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env.set(variable.name, variable.value);
    const ref = variable.valueFrom?.configMapKeyRef;
    if (ref) {
      const value = configMap(ref.name)?.data?.[ref.key];
      if (value !== undefined) env.set(variable.name, value);
    }
  }
  return env;
}

// --name=value flags of a container's args after $(VAR) expansion; errors for unresolved vars.
function containerFlags(container, env, where, errors) {
  const flags = new Map();
  for (const arg of container.args ?? []) {
    const expanded = arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name) => {
      if (env.has(name)) return env.get(name);
      errors.push(`flags: ${where}: ${arg} uses $(${name}), which no ConfigMap or env entry defines`);
      return whole;
    });
    const match = /^--([A-Za-z0-9_]+)=(.*)$/s.exec(expanded);
    if (!match) {
      errors.push(`flags: ${where}: argument '${arg}' is not of the form --flag=value`);
      continue;
    }
    flags.set(match[1], match[2]);
  }
  return flags;
}

function portOf(address) {
  const match = /:(\d+)$/.exec(address ?? '');
  return match ? Number(match[1]) : undefined;
}

function checkContainerSecurity(pod, container, where, errors) {
  const sc = container.securityContext ?? {};
  if (!container.securityContext) errors.push(`security: ${where}: no securityContext`);
  if (sc.allowPrivilegeEscalation !== false) errors.push(`security: ${where}: allowPrivilegeEscalation must be false`);
  if (sc.readOnlyRootFilesystem !== true) errors.push(`security: ${where}: readOnlyRootFilesystem must be true`);
  if (sc.privileged === true) errors.push(`security: ${where}: privileged`);
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) errors.push(`security: ${where}: capabilities must drop ALL`);
  if ((sc.capabilities?.add ?? []).length) errors.push(`security: ${where}: adds capabilities ${sc.capabilities.add}`);
  const nonRoot = sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
  if (nonRoot !== true) errors.push(`security: ${where}: runAsNonRoot must be true (pod or container)`);
  const user = sc.runAsUser ?? pod.securityContext?.runAsUser;
  if (user === 0) errors.push(`security: ${where}: runs as uid 0`);
  const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
    errors.push(`security: ${where}: seccompProfile must be RuntimeDefault`);
  }
}

function checkResources(container, where, errors) {
  for (const kind of ['requests', 'limits']) {
    for (const resource of ['cpu', 'memory']) {
      if (container.resources?.[kind]?.[resource] === undefined) {
        errors.push(`resources: ${where}: no ${kind}.${resource}`);
      }
    }
  }
}

function checkImage(container, where, errors) {
  const image = String(container.image ?? '');
  const withoutDigest = image.split('@')[0];
  const lastSegment = withoutDigest.split('/').pop();
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : '';
  if (!image.includes('@') && !tag) errors.push(`image: ${where}: ${image} has no tag`);
  if (tag === 'latest') errors.push(`image: ${where}: ${image} uses the latest tag`);
}

// A casework service container: ports, gRPC probes on the numeric port, flags, drain timing.
function checkCaseworkContainer(workload, spec, container, objects, options, errors) {
  const where = `${nameOf(workload)} container ${container.name}`;
  const namespace = workload.metadata?.namespace;
  const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
  if (ports.get('grpc') !== spec.grpc) errors.push(`ports: ${where}: needs a port named grpc = ${spec.grpc}`);
  if (ports.get('metrics') !== spec.metrics) errors.push(`ports: ${where}: needs a port named metrics = ${spec.metrics}`);
  for (const probeName of ['readinessProbe', 'livenessProbe']) {
    const probe = container[probeName];
    if (!probe?.grpc) {
      errors.push(`probe: ${where}: ${probeName} must be a native gRPC probe`);
      continue;
    }
    if (typeof probe.grpc.port !== 'number') {
      errors.push(`probe: ${where}: ${probeName} gRPC port must be the numeric port (${spec.grpc}), not '${probe.grpc.port}'`);
    } else if (probe.grpc.port !== spec.grpc) {
      errors.push(`probe: ${where}: ${probeName} probes port ${probe.grpc.port}, the gRPC port is ${spec.grpc}`);
    }
    if (probe.grpc.service && probe.grpc.service !== spec.grpcService) {
      errors.push(`probe: ${where}: ${probeName} asks about ${probe.grpc.service}, which this server does not serve`);
    }
  }
  const env = containerEnvironment(container, objects, namespace);
  const flags = containerFlags(container, env, where, errors);
  if (options.binDir) {
    const known = binaryFlags(options.binDir, spec.binary);
    for (const flag of flags.keys()) {
      if (!known.has(flag)) errors.push(`flags: ${where}: --${flag} is not a flag of ${spec.binary}`);
    }
  }
  if (portOf(flags.get('grpc_address')) !== spec.grpc) {
    errors.push(`flags: ${where}: --grpc_address must listen on the grpc port ${spec.grpc}`);
  }
  if (portOf(flags.get('metrics_address')) !== spec.metrics) {
    errors.push(`flags: ${where}: --metrics_address must listen on the metrics port ${spec.metrics}`);
  }
  const delay = parseDuration(flags.get('drain_delay') ?? '0');
  const grace = parseDuration(flags.get('drain_grace') ?? '10s');
  const termination = workload.spec.template.spec.terminationGracePeriodSeconds ?? 30;
  if (Number.isNaN(delay) || Number.isNaN(grace)) {
    errors.push(`drain: ${where}: cannot read --drain_delay/--drain_grace (${flags.get('drain_delay')}, ${flags.get('drain_grace')})`);
  } else if (!(termination > delay + grace)) {
    errors.push(`drain: ${where}: terminationGracePeriodSeconds ${termination} must exceed --drain_delay + --drain_grace = ${delay + grace} s`);
  }
  if (options.references) checkJwtKeys(workload, container, flags, objects, where, errors);
  if (flags.has('store')) checkStore(workload, container, flags, objects, options, where, errors);
}

export const isPostgresStore = (store) => /^postgres(ql)?:\/\//.test(store ?? '');

// The --store of the records service: a PostgreSQL URI never carries the password, which comes
// from --store_password_file in a mounted Secret that has it; no password file for SQLite.
function checkStore(workload, container, flags, objects, options, where, errors) {
  const store = flags.get('store');
  if (!isPostgresStore(store)) {
    if (!/^sqlite:./.test(store)) errors.push(`store: ${where}: --store=${store} is neither sqlite:PATH nor postgresql://`);
    if (flags.get('store_password_file')) errors.push(`store: ${where}: --store_password_file is for a PostgreSQL store`);
    return;
  }
  if (/^postgres(ql)?:\/\/[^/@?]*:[^/@?]*@/.test(store) || /[?&]password=/.test(store)) {
    errors.push(`store: ${where}: the PostgreSQL URI carries a password; use --store_password_file`);
  }
  const file = flags.get('store_password_file');
  if (!file) {
    errors.push(`store: ${where}: a PostgreSQL store needs --store_password_file (from a Secret)`);
    return;
  }
  if (options.references) {
    checkSecretFile(workload, container, file, objects, `store: ${where}: password file`, errors);
    const pageTokenKey = flags.get('page_token_key_file');
    if (pageTokenKey) checkSecretFile(workload, container, pageTokenKey, objects, `store: ${where}: page-token key`, errors);
  }
  if (options.production && !/[?&]sslmode=verify-(full|ca)(&|$)/.test(store)) {
    errors.push(`store: ${where}: in production the PostgreSQL URI must verify the server (sslmode=verify-full)`);
  }
}

// `file` must lie in a Secret mounted into `container` that has it.
function checkSecretFile(workload, container, file, objects, what, errors) {
  const podSpec = workload.spec.template.spec;
  const mount = (container.volumeMounts ?? []).find((m) => file.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  const volume = mount && (podSpec.volumes ?? []).find((v) => v.name === mount.name);
  const secret = volume?.secret && objects.find((o) => o.kind === 'Secret' && o.metadata?.name === volume.secret.secretName);
  const key = mount && file.slice(mount.mountPath.replace(/\/$/, '').length + 1);
  if (!secret) errors.push(`${what} ${file} is not in a mounted Secret of this render`);
  else if (!Object.hasOwn(secret.data ?? {}, key) && !Object.hasOwn(secret.stringData ?? {}, key)) {
    errors.push(`${what}: Secret ${secret.metadata.name} has no key ${key} for ${file}`);
  }
}

// The flags of a casework workload's container after $(VAR) expansion.
function flagsOf(workload, objects) {
  const spec = CASEWORK_SERVICES[workload.metadata?.name];
  const container = (workload.spec?.template?.spec?.containers ?? []).find((c) => c.name === spec?.container);
  if (!container) return new Map();
  return containerFlags(container, containerEnvironment(container, objects, workload.metadata?.namespace), '', []);
}

// At least one verification key, and every key file lies in a mounted Secret that has it.
function checkJwtKeys(workload, container, flags, objects, where, errors) {
  const files = [];
  if (flags.get('jwt_hs256_key_file')) files.push(flags.get('jwt_hs256_key_file'));
  for (const entry of (flags.get('jwt_public_keys') ?? '').split(',').filter(Boolean)) {
    const [kid, file] = entry.split('=');
    if (!kid || !file) errors.push(`jwt: ${where}: --jwt_public_keys entry '${entry}' is not kid=path`);
    else files.push(file);
  }
  if (!files.length) errors.push(`jwt: ${where}: no token verification key (--jwt_hs256_key_file or --jwt_public_keys)`);
  const podSpec = workload.spec.template.spec;
  for (const file of files) {
    const mount = (container.volumeMounts ?? []).find((m) => file.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
    const volume = mount && (podSpec.volumes ?? []).find((v) => v.name === mount.name);
    const secret = volume?.secret && objects.find((o) => o.kind === 'Secret' && o.metadata?.name === volume.secret.secretName);
    const key = mount && file.slice(mount.mountPath.replace(/\/$/, '').length + 1);
    if (!secret) errors.push(`jwt: ${where}: key file ${file} is not in a mounted Secret of this render`);
    else if (!Object.hasOwn(secret.data ?? {}, key) && !Object.hasOwn(secret.stringData ?? {}, key)) {
      errors.push(`jwt: ${where}: Secret ${secret.metadata.name} has no key ${key} for ${file}`);
    }
  }
}

function checkWorkload(workload, objects, options, errors) {
  const where = nameOf(workload);
  const template = workload.spec?.template ?? {};
  const pod = template.spec ?? {};
  for (const label of RECOMMENDED_LABELS) {
    if (!template.metadata?.labels?.[label]) errors.push(`labels: ${where}: pod template lacks ${label}`);
  }
  if (!labelsMatch(workload.spec?.selector, template.metadata?.labels)) {
    errors.push(`labels: ${where}: selector does not match the pod template's labels`);
  }
  if (!pod.securityContext) errors.push(`security: ${where}: no pod securityContext`);
  if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') {
    errors.push(`security: ${where}: pod seccompProfile must be RuntimeDefault`);
  }
  if (pod.securityContext?.runAsNonRoot !== true) errors.push(`security: ${where}: pod runAsNonRoot must be true`);
  if (pod.automountServiceAccountToken !== false) errors.push(`security: ${where}: automountServiceAccountToken must be false`);
  if (!pod.serviceAccountName || pod.serviceAccountName === 'default') {
    errors.push(`security: ${where}: needs its own serviceAccountName`);
  }
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) errors.push(`security: ${where}: uses host namespaces`);
  for (const volume of pod.volumes ?? []) {
    if (volume.hostPath) errors.push(`security: ${where}: hostPath volume ${volume.name}`);
  }
  for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const cwhere = `${where} container ${container.name}`;
    checkContainerSecurity(pod, container, cwhere, errors);
    checkResources(container, cwhere, errors);
    checkImage(container, cwhere, errors);
    if (!container.readinessProbe && !container.livenessProbe && !(pod.initContainers ?? []).includes(container)) {
      errors.push(`probe: ${cwhere}: no readiness or liveness probe`);
    }
  }
  const spec = CASEWORK_SERVICES[workload.metadata?.name];
  if (spec) {
    if (workload.kind !== 'Deployment') errors.push(`workload: ${where}: must be a Deployment`);
    const container = (pod.containers ?? []).find((c) => c.name === spec.container);
    if (!container) errors.push(`workload: ${where}: no container named ${spec.container}`);
    else checkCaseworkContainer(workload, spec, container, objects, options, errors);
  }
  if (options.references) checkReferences(workload, objects, errors);
}

function checkReferences(workload, objects, errors) {
  const where = nameOf(workload);
  const pod = workload.spec.template.spec;
  const exists = (kind, name) => objects.some((o) => o.kind === kind && o.metadata?.name === name);
  const claimTemplates = new Set((workload.spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name));
  if (pod.serviceAccountName && !exists('ServiceAccount', pod.serviceAccountName)) {
    errors.push(`reference: ${where}: ServiceAccount ${pod.serviceAccountName} is not in the render`);
  }
  for (const volume of pod.volumes ?? []) {
    if (volume.configMap && !exists('ConfigMap', volume.configMap.name)) errors.push(`reference: ${where}: ConfigMap ${volume.configMap.name} is not in the render`);
    if (volume.secret && !exists('Secret', volume.secret.secretName)) errors.push(`reference: ${where}: Secret ${volume.secret.secretName} is not in the render`);
    if (volume.persistentVolumeClaim && !exists('PersistentVolumeClaim', volume.persistentVolumeClaim.claimName)) {
      errors.push(`reference: ${where}: PersistentVolumeClaim ${volume.persistentVolumeClaim.claimName} is not in the render`);
    }
  }
  for (const container of pod.containers ?? []) {
    for (const mount of container.volumeMounts ?? []) {
      if (!(pod.volumes ?? []).some((v) => v.name === mount.name) && !claimTemplates.has(mount.name)) {
        errors.push(`reference: ${where} container ${container.name}: volumeMount ${mount.name} has no volume`);
      }
    }
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef && !exists('ConfigMap', source.configMapRef.name)) errors.push(`reference: ${where}: ConfigMap ${source.configMapRef.name} is not in the render`);
      if (source.secretRef && !exists('Secret', source.secretRef.name)) errors.push(`reference: ${where}: Secret ${source.secretRef.name} is not in the render`);
    }
  }
}

function checkService(service, objects, errors) {
  const where = nameOf(service);
  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind) &&
    labelsMatch({ matchLabels: service.spec?.selector }, o.spec?.template?.metadata?.labels));
  if (workloads.length !== 1) {
    errors.push(`service: ${where}: selector matches ${workloads.length} workloads, expected 1`);
    return;
  }
  const containerPorts = workloads[0].spec.template.spec.containers.flatMap((c) => c.ports ?? []);
  for (const port of service.spec.ports ?? []) {
    const target = port.targetPort ?? port.port;
    const found = containerPorts.some((p) => (typeof target === 'number' ? p.containerPort === target : p.name === target));
    if (!found) errors.push(`service: ${where}: port ${port.name} targets ${target}, which ${nameOf(workloads[0])} does not expose`);
  }
  if (CASEWORK_SERVICES[service.metadata?.name]) {
    const names = (service.spec.ports ?? []).map((p) => p.name);
    for (const name of ['grpc', 'metrics']) {
      if (!names.includes(name)) errors.push(`service: ${where}: needs a port named ${name}`);
    }
  }
}

function checkRedis(objects, redisConf, errors) {
  const redis = objects.find((o) => o.kind === 'StatefulSet' && o.metadata?.name === 'casework-redis');
  if (!redis) {
    errors.push('redis: no StatefulSet casework-redis');
    return;
  }
  if (!(redis.spec.volumeClaimTemplates ?? []).length) errors.push('redis: StatefulSet casework-redis has no volumeClaimTemplates');
  const container = redis.spec.template.spec.containers.find((c) => c.name === 'redis');
  const command = [...(container?.command ?? []), ...(container?.args ?? [])];
  const confPath = command.find((arg) => arg.endsWith('.conf'));
  const mount = container?.volumeMounts?.find((m) => confPath?.startsWith(`${m.mountPath}/`));
  const volume = mount && redis.spec.template.spec.volumes?.find((v) => v.name === mount.name);
  const configMap = volume?.configMap && objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === volume.configMap.name);
  const key = confPath && mount && confPath.slice(mount.mountPath.length + 1);
  if (!configMap) errors.push(`redis: the config file ${confPath} does not come from a ConfigMap of the render`);
  else if (configMap.data?.[key] !== redisConf) errors.push(`redis: ConfigMap ${configMap.metadata.name} ${key} differs from deploy/redis/redis.conf`);
  if (!redis.spec.volumeClaimTemplates?.some((t) => container?.volumeMounts?.some((m) => m.name === t.metadata?.name && m.mountPath === '/data'))) {
    errors.push('redis: the data volume claim is not mounted at /data');
  }
}

function selectsWorkload(selectorOwner, selector, workload) {
  return (selectorOwner.metadata?.namespace ?? '') === (workload.metadata?.namespace ?? '') &&
    labelsMatch(selector, workload.spec.template.metadata.labels);
}

function checkProduction(objects, errors) {
  const deployments = byKind(objects, 'Deployment');
  for (const [name, spec] of Object.entries(CASEWORK_SERVICES)) {
    const deployment = deployments.find((d) => d.metadata.name === name);
    if (!deployment) {
      errors.push(`prod: no Deployment ${name}`);
      continue;
    }
    const hpas = byKind(objects, 'HorizontalPodAutoscaler').filter((h) =>
      h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef.name === name);
    const pdbs = byKind(objects, 'PodDisruptionBudget').filter((p) => selectsWorkload(p, p.spec?.selector, deployment));
    const flags = flagsOf(deployment, objects);
    const stateless = spec.stateless === 'postgres' ? isPostgresStore(flags.get('store')) : spec.stateless;
    if (stateless) {
      if (!(deployment.spec.replicas >= 2)) errors.push(`prod: ${name} has ${deployment.spec.replicas} replicas, needs at least 2`);
      if (hpas.length !== 1) errors.push(`prod: ${name} needs one HorizontalPodAutoscaler, has ${hpas.length}`);
      for (const hpa of hpas) {
        if (hpa.apiVersion !== 'autoscaling/v2') errors.push(`prod: ${nameOf(hpa)} must be autoscaling/v2`);
        if (!(hpa.spec.minReplicas >= 2)) errors.push(`prod: ${nameOf(hpa)} minReplicas must be at least 2`);
        if (!(hpa.spec.maxReplicas > hpa.spec.minReplicas)) errors.push(`prod: ${nameOf(hpa)} maxReplicas must exceed minReplicas`);
      }
      if (pdbs.length !== 1) errors.push(`prod: ${name} needs one PodDisruptionBudget, has ${pdbs.length}`);
      if (deployment.spec.strategy?.type === 'Recreate') errors.push(`prod: ${name} is stateless: roll it out without downtime (RollingUpdate), not Recreate`);
      if (spec.stateless === 'postgres' && !flags.get('page_token_key_file')) {
        errors.push(`prod: ${name} runs several replicas: they need one shared --page_token_key_file (from a Secret)`);
      }
      const claims = (deployment.spec.template.spec.volumes ?? []).filter((v) => v.persistentVolumeClaim);
      if (claims.length) errors.push(`prod: ${name} is stateless but mounts the volume claim ${claims[0].persistentVolumeClaim.claimName}`);
    } else {
      // Single writer (SQLite): exactly one pod, never two during a rollout, never autoscaled.
      if (deployment.spec.replicas !== 1) errors.push(`prod: ${name} must run exactly 1 replica (single-writer SQLite)`);
      if (deployment.spec.strategy?.type !== 'Recreate') errors.push(`prod: ${name} must use the Recreate strategy (single-writer SQLite)`);
      if (hpas.length) errors.push(`prod: ${name} must not be autoscaled (single-writer SQLite)`);
    }
  }
  for (const kind of ['ServiceMonitor', 'PrometheusRule', 'NetworkPolicy']) {
    if (!byKind(objects, kind).length) errors.push(`prod: no ${kind} (components monitoring and network-policies)`);
  }
}

function checkMonitoring(objects, ruleGroups, errors) {
  const monitors = byKind(objects, 'ServiceMonitor');
  for (const service of byKind(objects, 'Service')) {
    const metricsPort = (service.spec.ports ?? []).find((p) => p.name === 'metrics');
    if (!metricsPort) continue;
    const scraped = monitors.some((m) => labelsMatch(m.spec?.selector, service.metadata?.labels) &&
      (m.spec.endpoints ?? []).some((e) => e.port === 'metrics'));
    if (!scraped) errors.push(`monitoring: ${nameOf(service)} has a metrics port no ServiceMonitor scrapes`);
  }
  const rules = byKind(objects, 'PrometheusRule');
  if (rules.length !== 1) errors.push(`monitoring: expected one PrometheusRule, found ${rules.length}`);
  else if (!isDeepStrictEqual(rules[0].spec?.groups, ruleGroups)) {
    errors.push('monitoring: PrometheusRule groups differ from deploy/monitoring/rules/*.yml (node deploy/monitoring/render-prometheus-rule.mjs)');
  }
}

// All checks of one render. options: { references, production, monitoring, networkPolicies,
// binDir, redisConf, ruleGroups }.
export function checkRender(objects, options) {
  const errors = [];
  for (const object of objects) errors.push(...schemaErrors(object));
  for (const object of objects) {
    const labels = object.metadata?.labels ?? {};
    for (const label of ['app.kubernetes.io/name', 'app.kubernetes.io/part-of']) {
      if (!labels[label]) errors.push(`labels: ${nameOf(object)} lacks ${label}`);
    }
    if (labels['app.kubernetes.io/part-of'] && labels['app.kubernetes.io/part-of'] !== 'casework') {
      errors.push(`labels: ${nameOf(object)} is part-of ${labels['app.kubernetes.io/part-of']}`);
    }
  }
  for (const workload of objects.filter((o) => WORKLOAD_KINDS.has(o.kind))) checkWorkload(workload, objects, options, errors);
  for (const name of Object.keys(CASEWORK_SERVICES)) {
    if (!objects.some((o) => o.kind === 'Deployment' && o.metadata?.name === name)) errors.push(`workload: no Deployment ${name}`);
    if (!objects.some((o) => o.kind === 'Service' && o.metadata?.name === name)) errors.push(`service: no Service ${name}`);
    if (!objects.some((o) => o.kind === 'ServiceAccount' && o.metadata?.name === name)) errors.push(`workload: no ServiceAccount ${name}`);
    if (!objects.some((o) => o.kind === 'ConfigMap' && isNamed(o.metadata?.name, name))) errors.push(`workload: no ConfigMap ${name}`);
  }
  for (const service of byKind(objects, 'Service')) checkService(service, objects, errors);
  if (options.redisConf !== undefined) checkRedis(objects, options.redisConf, errors);
  if (options.production) checkProduction(objects, errors);
  if (options.monitoring) checkMonitoring(objects, options.ruleGroups, errors);
  if (options.networkPolicies) errors.push(...evaluateNetworkMatrix(objects));
  return errors;
}
