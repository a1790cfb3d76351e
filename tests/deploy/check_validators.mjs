#!/usr/bin/env node
// The validators' own test: each deliberately broken input must be caught by the policy named in
// its expectation, and the unbroken inputs must pass. Kubernetes: mutations of the rendered prod
// overlay, plus the broken overlays under tests/deploy/broken/ rendered with kubectl kustomize
// (each names the errors it expects in `# expect: <regex>` lines). Also the Dockerfile, compose
// and monitoring checks, with broken copies of the real files.
// Usage: node tests/deploy/check_validators.mjs [--bin-dir build/bin]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

import { checkCompose, COMPOSE_FILE, resolvedCompose } from './check_compose.mjs';
import { checkPackages, checkStructure, bootstrapPackages, linkedPackages, parseDockerfile, readPolicy } from './check_dockerfile.mjs';
import { KUBECTL_HINT, RENDERS, commonOptions, prepareTree, render } from './check_k8s.mjs';
import { checkMonitoring, unparsableQueries } from './check_monitoring.mjs';
import { readRepoFile, repoRoot, report, requireTool, run } from './lib/common.mjs';
import { checkRender } from './lib/k8s_checks.mjs';

const binIndex = process.argv.indexOf('--bin-dir');
const binDir = binIndex > 0 ? path.resolve(process.argv[binIndex + 1]) : undefined;
const results = [];

// Runs `check` on the unbroken input (must pass) and on each mutation (must match its regex).
function expectCaught(suite, pristine, check, cases) {
  const errors = [];
  const baseline = check(structuredClone(pristine));
  if (baseline.length) errors.push(`the unbroken input fails, so nothing below is meaningful:\n      ${baseline.join('\n      ')}`);
  for (const [what, mutate, expected] of cases) {
    const input = structuredClone(pristine);
    const mutated = mutate(input) ?? input;
    const found = check(mutated);
    const patterns = Array.isArray(expected) ? expected : [expected];
    for (const pattern of patterns) {
      if (!found.some((e) => pattern.test(e))) {
        errors.push(`not caught: ${what} (expected ${pattern}); the checks said:\n      ${found.join('\n      ') || '(nothing)'}`);
      }
    }
  }
  results.push(report(`${suite}: ${cases.length} broken inputs caught, the unbroken one passes`, errors));
}

// ---- Kubernetes ----------------------------------------------------------------------------
const get = (objects, kind, name) => {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name) ??
    objects.find((o) => ['ConfigMap', 'Secret'].includes(kind) && o.kind === kind && String(o.metadata?.name).replace(/-[a-z0-9]{10}$/, '') === name);
  if (!found) throw new Error(`fixture: no ${kind}/${name}`);
  return found;
};
const container = (objects, name) => get(objects, 'Deployment', `casework-${name}`).spec.template.spec.containers[0];
const policy = (objects, name) => get(objects, 'NetworkPolicy', name);

const K8S_CASES = [
  ['a gRPC probe on a named port', (o) => { container(o, 'session').readinessProbe.grpc.port = 'grpc'; },
    [/^probe: .*session.*readinessProbe gRPC port must be the numeric port/, /^schema: .*readinessProbe\/grpc\/port must be integer/]],
  ['a gRPC probe on the metrics port', (o) => { container(o, 'records').livenessProbe.grpc.port = 9465; }, /^probe: .*livenessProbe probes port 9465/],
  ['an HTTP liveness probe instead of gRPC', (o) => { container(o, 'notification').livenessProbe = { httpGet: { path: '/', port: 9466 } }; },
    /^probe: .*livenessProbe must be a native gRPC probe/],
  ['no container securityContext', (o) => { delete container(o, 'records').securityContext; }, /^security: .*records.*no securityContext/],
  ['no pod securityContext', (o) => { delete get(o, 'Deployment', 'casework-session').spec.template.spec.securityContext; },
    /^security: Deployment\/casework-session: no pod securityContext/],
  ['no resource limits', (o) => { delete container(o, 'notification').resources.limits; }, /^resources: .*notification.*no limits.memory/],
  ['no resource requests', (o) => { delete container(o, 'session').resources.requests; }, /^resources: .*session.*no requests.cpu/],
  ['a misspelt field', (o) => { const c = container(o, 'session'); c.livenesProbe = c.livenessProbe; delete c.livenessProbe; },
    [/^schema: .*unknown field .*\/livenesProbe/, /^probe: .*livenessProbe must be a native gRPC probe/]],
  ['a misspelt field deep inside', (o) => { container(o, 'records').securityContext.readOnlyRootFilesytem = true; },
    /^schema: .*unknown field .*securityContext\/readOnlyRootFilesytem/],
  ['the latest tag', (o) => { container(o, 'session').image = 'casework/session:latest'; }, /^image: .*latest/],
  ['an untagged image', (o) => { container(o, 'records').image = 'casework/records'; }, /^image: .*has no tag/],
  ['running as root', (o) => { const sc = get(o, 'Deployment', 'casework-session').spec.template.spec.securityContext; sc.runAsNonRoot = false; sc.runAsUser = 0; delete container(o, 'session').securityContext.runAsNonRoot; },
    [/^security: .*pod runAsNonRoot must be true/, /^security: .*runs as uid 0/]],
  ['no seccomp profile', (o) => { delete get(o, 'Deployment', 'casework-notification').spec.template.spec.securityContext.seccompProfile; delete container(o, 'notification').securityContext.seccompProfile; },
    /^security: .*seccompProfile must be RuntimeDefault/],
  ['a writable root filesystem', (o) => { container(o, 'session').securityContext.readOnlyRootFilesystem = false; }, /^security: .*readOnlyRootFilesystem must be true/],
  ['capabilities kept', (o) => { container(o, 'records').securityContext.capabilities = { add: ['NET_ADMIN'] }; },
    [/^security: .*capabilities must drop ALL/, /^security: .*adds capabilities NET_ADMIN/]],
  ['the service account token mounted', (o) => { get(o, 'Deployment', 'casework-records').spec.template.spec.automountServiceAccountToken = true; },
    /^security: .*automountServiceAccountToken must be false/],
  ['Redis without a seccomp profile', (o) => { delete get(o, 'StatefulSet', 'casework-redis').spec.template.spec.securityContext.seccompProfile; },
    /^security: StatefulSet\/casework-redis: pod seccompProfile must be RuntimeDefault/],
  ['termination grace shorter than the drain', (o) => { get(o, 'Deployment', 'casework-session').spec.template.spec.terminationGracePeriodSeconds = 12; },
    /^drain: .*session.*terminationGracePeriodSeconds 12 must exceed .* 15 s/],
  ['drain grace raised in the ConfigMap past the termination grace', (o) => { get(o, 'ConfigMap', 'casework-records').data.CASEWORK_DRAIN_GRACE = '40s'; },
    /^drain: .*records.*must exceed .* 45 s/],
  ['an unknown flag', (o) => { container(o, 'session').args.push('--redis_adress=casework-redis:6379'); },
    binDir ? /^flags: .*--redis_adress is not a flag of casework-session/ : /^flags: /],
  ['an undefined variable', (o) => { container(o, 'notification').args.push('--log_level=$(CASEWORK_LOGLEVEL)'); },
    /^flags: .*\$\(CASEWORK_LOGLEVEL\), which no ConfigMap or env entry defines/],
  ['gRPC served on another port than the probes', (o) => { const c = container(o, 'records'); c.args = c.args.map((a) => a.replace('0.0.0.0:50052', '0.0.0.0:6000')); },
    /^flags: .*--grpc_address must listen on the grpc port 50052/],
  ['a Service without the named grpc port', (o) => { get(o, 'Service', 'casework-records').spec.ports[0].name = 'rpc'; },
    /^service: Service\/casework-records: needs a port named grpc/],
  ['a Service targeting a port the pod lacks', (o) => { get(o, 'Service', 'casework-session').spec.ports[1].targetPort = 'prometheus'; },
    /^service: Service\/casework-session: port metrics targets prometheus/],
  ['no container port named metrics', (o) => { container(o, 'notification').ports[1].name = 'prom'; },
    /^ports: .*notification: needs a port named metrics = 9466/],
  ['a missing recommended label', (o) => { delete get(o, 'Deployment', 'casework-records').spec.template.metadata.labels['app.kubernetes.io/component']; },
    /^labels: Deployment\/casework-records: pod template lacks app.kubernetes.io\/component/],
  ['a dangling Secret reference', (o) => { o.splice(o.findIndex((x) => x.kind === 'Secret'), 1); },
    [/^reference: .*Secret casework-jwt-[a-z0-9]+ is not in the render/, /^jwt: .*not in a mounted Secret/]],
  ['a public key the Secret does not hold', (o) => { get(o, 'ConfigMap', 'casework-auth').data.CASEWORK_JWT_PUBLIC_KEYS = 'casework-2=/etc/casework/jwt/casework-2.pem'; },
    /^jwt: .*Secret casework-jwt-[a-z0-9]+ has no key casework-2.pem/],
  ['no verification key at all', (o) => { get(o, 'ConfigMap', 'casework-auth').data.CASEWORK_JWT_PUBLIC_KEYS = ''; },
    /^jwt: .*no token verification key/],
  ['redis.conf drifted from deploy/redis/redis.conf', (o) => { const c = get(o, 'ConfigMap', 'casework-redis-config'); c.data['redis.conf'] = c.data['redis.conf'].replace('appendfsync always', 'appendfsync everysec'); },
    /^redis: ConfigMap casework-redis-config-[a-z0-9]+ redis.conf differs from deploy\/redis\/redis.conf/],
  ['Redis without a volume claim', (o) => { delete get(o, 'StatefulSet', 'casework-redis').spec.volumeClaimTemplates; },
    /^redis: StatefulSet casework-redis has no volumeClaimTemplates/],
  ['one replica of a stateless service in prod', (o) => { get(o, 'Deployment', 'casework-session').spec.replicas = 1; },
    /^prod: casework-session has 1 replicas, needs at least 2/],
  ['records on single-writer SQLite scaled out', (o) => { get(o, 'ConfigMap', 'casework-records').data.CASEWORK_STORE = 'sqlite:/var/lib/casework/records.db'; },
    [/^prod: casework-records must run exactly 1 replica/, /^store: .*--store_password_file is for a PostgreSQL store/]],
  ['records on SQLite rolled out with two pods at once', (o) => {
    get(o, 'ConfigMap', 'casework-records').data.CASEWORK_STORE = 'sqlite:/var/lib/casework/records.db';
    get(o, 'Deployment', 'casework-records').spec.replicas = 1;
  }, /^prod: casework-records must use the Recreate strategy/],
  ['records on PostgreSQL with one replica', (o) => { get(o, 'Deployment', 'casework-records').spec.replicas = 1; },
    /^prod: casework-records has 1 replicas, needs at least 2/],
  ['stateless records rolled out with Recreate', (o) => { get(o, 'Deployment', 'casework-records').spec.strategy = { type: 'Recreate' }; },
    /^prod: casework-records is stateless: roll it out without downtime/],
  ['a password in the PostgreSQL URI', (o) => { get(o, 'ConfigMap', 'casework-records').data.CASEWORK_STORE = 'postgresql://casework:s3cret@db.example.org/casework?sslmode=verify-full'; },
    /^store: .*the PostgreSQL URI carries a password/],
  ['a production database whose certificate is not verified', (o) => { get(o, 'ConfigMap', 'casework-records').data.CASEWORK_STORE = 'postgresql://casework@db.example.org/casework?sslmode=require'; },
    /^store: .*must verify the server \(sslmode=verify-full\)/],
  ['the database password file missing from its Secret', (o) => {
    const c = container(o, 'records');
    c.args = c.args.map((a) => a.replace('/etc/casework/postgres/password', '/etc/casework/postgres/passwd'));
  }, /^store: .*Secret casework-postgres-[a-z0-9]+ has no key passwd/],
  ['records replicas without a shared page-token key', (o) => {
    const c = container(o, 'records');
    c.args = c.args.filter((a) => !a.startsWith('--page_token_key_file='));
  }, /^prod: casework-records runs several replicas: they need one shared --page_token_key_file/],
  ['records cut off from PostgreSQL', (o) => { o.splice(o.indexOf(policy(o, 'casework-records-egress')), 1); },
    /^network: records → PostgreSQL \(the records store\) \(port 5432\) is denied, must be allowed/],
  ['no HorizontalPodAutoscaler', (o) => { o.splice(o.indexOf(get(o, 'HorizontalPodAutoscaler', 'casework-notification')), 1); },
    /^prod: casework-notification needs one HorizontalPodAutoscaler, has 0/],
  ['an HPA that can scale to one', (o) => { get(o, 'HorizontalPodAutoscaler', 'casework-session').spec.minReplicas = 1; },
    /^prod: HorizontalPodAutoscaler\/casework-session minReplicas must be at least 2/],
  ['no PodDisruptionBudget', (o) => { o.splice(o.indexOf(get(o, 'PodDisruptionBudget', 'casework-session')), 1); },
    /^prod: casework-session needs one PodDisruptionBudget, has 0/],
  ['Redis opened to every pod of the namespace', (o) => { policy(o, 'casework-redis-ingress').spec.ingress[0].from = [{ podSelector: {} }]; },
    /^network: same-namespace stranger → Redis \(port 6379\) is allowed, must be denied/],
  ['records allowed to reach Redis', (o) => {
    policy(o, 'casework-redis-ingress').spec.ingress[0].from.push({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'casework-records' } } });
    policy(o, 'casework-dns').spec.egress.push({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'casework-redis' } } }] });
  }, /^network: records → Redis \(port 6379\) is allowed, must be denied/],
  ['metrics open to every namespace', (o) => { delete policy(o, 'casework-metrics-from-monitoring').spec.ingress[0].from; },
    [/^network: another namespace → session metrics \(port 9464\) is allowed, must be denied/, /^network: external → notification metrics/]],
  ['the session service cut off from Redis', (o) => { policy(o, 'casework-session-egress').spec.egress.pop(); },
    /^network: session → Redis \(port 6379\) is denied, must be allowed/],
  ['no DNS', (o) => { o.splice(o.indexOf(policy(o, 'casework-dns')), 1); }, /^network: casework-session → cluster DNS \(port 53\) is denied/],
  ['neither default deny nor the DNS-only egress', (o) => { for (const name of ['casework-default-deny', 'casework-dns']) o.splice(o.indexOf(policy(o, name)), 1); },
    /^network: Redis → records gRPC \(port 50052\) is allowed, must be denied/],
  ['a PrometheusRule out of sync with the rule files', (o) => { get(o, 'PrometheusRule', 'casework').spec.groups[0].rules[0].expr = 'vector(1)'; },
    /^monitoring: PrometheusRule groups differ/],
  ['a ServiceMonitor that misses the metrics ports', (o) => { get(o, 'ServiceMonitor', 'casework').spec.endpoints[0].port = 'http-metrics'; },
    /^monitoring: Service\/casework-session has a metrics port no ServiceMonitor scrapes/],
];

function kubernetesChecks() {
  const { dir, tree } = prepareTree();
  try {
    const prod = RENDERS.find((r) => r.dir === 'overlays/prod');
    const options = { ...commonOptions(binDir), ...prod.options };
    expectCaught('k8s policies and schema (mutations of the prod render)', render(path.join(tree, prod.dir)),
      (objects) => checkRender(objects, options), K8S_CASES);
    // Broken overlays, rendered by kubectl like the real ones.
    const brokenDir = path.join(repoRoot, 'tests/deploy/broken');
    const errors = [];
    let count = 0;
    for (const name of fs.readdirSync(brokenDir).sort()) {
      const kustomization = fs.readFileSync(path.join(brokenDir, name, 'kustomization.yaml'), 'utf8');
      const expected = [...kustomization.matchAll(/^# expect: (.*)$/gm)].map((m) => new RegExp(m[1]));
      if (!expected.length) errors.push(`${name}: names no '# expect:' line`);
      fs.cpSync(path.join(brokenDir, name), path.join(tree, '_broken', name), { recursive: true });
      const found = checkRender(render(path.join(tree, '_broken', name)), { ...commonOptions(binDir), references: true });
      for (const pattern of expected) {
        count += 1;
        if (!found.some((e) => pattern.test(e))) errors.push(`${name}: not caught: ${pattern}; the checks said:\n      ${found.join('\n      ') || '(nothing)'}`);
      }
    }
    results.push(report(`k8s: broken overlays in tests/deploy/broken/ rendered and caught (${count} expectations)`, errors));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- Dockerfile ----------------------------------------------------------------------------
function dockerfileChecks() {
  if (!binDir) {
    results.push(report('Dockerfile checks', ['--bin-dir is required (the runtime packages come from the binaries)']));
    return;
  }
  const text = readRepoFile('deploy/Dockerfile');
  const policyFile = readPolicy(readRepoFile('deploy/image-packages.txt'));
  const linked = linkedPackages(binDir);
  const bootstrap = bootstrapPackages(readRepoFile('script/bootstrap'));
  const check = (dockerfile) => {
    const instructions = parseDockerfile(dockerfile);
    return [...checkPackages(instructions, policyFile, linked, bootstrap).errors, ...checkStructure(instructions)];
  };
  const replace = (from, to) => (t) => {
    if (!t.includes(from)) throw new Error(`fixture: '${from}' is not in deploy/Dockerfile`);
    return t.replace(from, to);
  };
  expectCaught('Dockerfile packages and structure', text, check, [
    ['a runtime library left out', replace('libgrpc++1.51 ', ''), /^packages: runtime stage lacks libgrpc\+\+1.51, needed by casework-/],
    ['a superfluous runtime package', replace('libspdlog1.10 ', 'libspdlog1.10 curl '), /^packages: runtime stage installs curl, which no binary links/],
    ['a build package of script/bootstrap left out', replace('libhiredis-dev ', ''), /^packages: build stage lacks libhiredis-dev/],
    ['a build package script/bootstrap does not install', replace('nodejs npm', 'nodejs npm clang'), /^packages: build stage installs clang/],
    ['no USER', replace('USER 10001:10001\n', ''), /^structure: image session has no USER/],
    ['USER root in a service image', replace('FROM runtime AS records\n', 'FROM runtime AS records\nUSER root\n'), /^structure: image records runs as USER root/],
    ['a latest base image', replace('FROM debian:bookworm-slim AS runtime', 'FROM debian:latest AS runtime'),
      [/^structure: line \d+: FROM debian:latest uses latest/, /runtime stage must start FROM debian:bookworm-slim/]],
    ['no HEALTHCHECK', (t) => t.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*50052[^\n]*\n/, ''), /^structure: image records has no HEALTHCHECK/],
    ['a HEALTHCHECK on the wrong port', replace('--address=127.0.0.1:50053', '--address=127.0.0.1:50051'),
      /^structure: image notification: HEALTHCHECK must run casework-health-probe on port 50053/],
  ]);
}

// ---- compose -------------------------------------------------------------------------------
function composeChecks() {
  requireTool('docker-compose', 'script/bootstrap installs Debian\'s docker-compose');
  const resolved = YAML.parse(resolvedCompose(COMPOSE_FILE));
  const options = { binDir, redisConf: path.join(repoRoot, 'deploy/redis/redis.conf') };
  expectCaught('compose rules', resolved, (config) => checkCompose(config, options), [
    ['a service without a healthcheck', (c) => { delete c.services.records.healthcheck; },
      [/^compose: records: no healthcheck/, /^compose: session: waits for records to be healthy, which has no healthcheck/]],
    ['depends_on without a condition', (c) => { c.services.notification.depends_on.redis = {}; },
      [/^compose: notification: depends_on redis without a condition/, /^compose: notification: must wait for redis to be healthy/]],
    ['an unknown flag', (c) => { c.services.session.command.push('--redis_adress=redis:6379'); },
      binDir ? /^compose: session: --redis_adress is not a flag of casework-session/ : /^compose: session/],
    ['Redis without the project\'s redis.conf', (c) => { c.services.redis.volumes = c.services.redis.volumes.filter((v) => !String(v.source ?? v).includes('redis.conf')); },
      /^compose: redis must start with deploy\/redis\/redis.conf/],
    ['a latest image', (c) => { c.services.prometheus.image = 'prom/prometheus:latest'; }, /^compose: prometheus: image prom\/prometheus:latest uses latest/],
    ['a writable service container', (c) => { c.services.session.read_only = false; }, /^compose: session: must run with read_only: true/],
    ['the health probe on the wrong port', (c) => { c.services.records.healthcheck.test = ['CMD', '/usr/local/bin/casework-health-probe', '--address=127.0.0.1:50051']; },
      /^compose: records: healthcheck must run casework-health-probe on port 50052/],
  ]);
  // The schema side: docker-compose itself refuses a misspelt key.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-compose-'));
  try {
    const broken = readRepoFile('deploy/compose.yaml').replace('    healthcheck:\n      test: ["CMD", "redis-cli", "ping"]',
      '    helthcheck:\n      test: ["CMD", "redis-cli", "ping"]');
    fs.writeFileSync(path.join(dir, 'compose.yaml'), broken);
    const result = run('docker-compose', ['-f', path.join(dir, 'compose.yaml'), 'config', '-q'], { cwd: dir });
    const caught = broken !== readRepoFile('deploy/compose.yaml') && result.status !== 0 && /helthcheck/.test(result.stderr);
    results.push(report('docker-compose config -q refuses a misspelt key', caught ? [] : [`not caught: ${result.stderr}`]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- monitoring ----------------------------------------------------------------------------
function monitoringChecks() {
  const rulesDir = path.join(repoRoot, 'deploy/monitoring/rules');
  const dashboardsDir = path.join(repoRoot, 'deploy/grafana/dashboards');
  const pristine = {
    metricsText: readRepoFile('deploy/monitoring/metrics.txt'),
    ruleFiles: fs.readdirSync(rulesDir).filter((f) => f.endsWith('.yml')).sort().map((f) => [f, fs.readFileSync(path.join(rulesDir, f), 'utf8')]),
    dashboards: fs.readdirSync(dashboardsDir).filter((f) => f.endsWith('.json')).sort().map((f) => [f, fs.readFileSync(path.join(dashboardsDir, f), 'utf8')]),
  };
  const addRule = (expr) => (m) => {
    const [file, text] = m.ruleFiles[0];
    const doc = YAML.parse(text);
    doc.groups[0].rules.push({ alert: 'Broken', expr });
    m.ruleFiles[0] = [file, YAML.stringify(doc)];
  };
  const editDashboard = (edit) => (m) => {
    const [file, text] = m.dashboards[0];
    const dashboard = JSON.parse(text);
    edit(dashboard);
    m.dashboards[0] = [file, JSON.stringify(dashboard)];
  };
  const firstTarget = (d) => d.panels.find((p) => p.targets?.length).targets[0];
  expectCaught('monitoring names and dashboards', pristine, (m) => checkMonitoring(m).errors, [
    ['a rule on a metric nobody exports', addRule('casework_sessions_activ > 0'), /^names: .*uses casework_sessions_activ, which deploy\/monitoring\/metrics.txt does not list/],
    ['a rule on an unrecorded rule name', addRule('casework:nothing:rate5m > 1'), /^names: .*uses casework:nothing:rate5m, which no recording rule defines/],
    ['a dashboard query on an unlisted metric', editDashboard((d) => { firstTarget(d).expr = 'sum(rate(grpc_server_handeld_total[5m]))'; }),
      /^names: .*uses grpc_server_handeld_total/],
    ['a dashboard on another datasource', editDashboard((d) => { firstTarget(d).datasource = { type: 'prometheus', uid: 'other' }; }), /^dashboard: .*uses datasource other/],
    ['duplicate panel ids', editDashboard((d) => { d.panels[1].id = d.panels[0].id; }), /^dashboard: .*has no unique id/],
    ['a dashboard that is not JSON', (m) => { m.dashboards[0] = [m.dashboards[0][0], '{"panels": [']; }, /^dashboard: .* is not JSON/],
    ['a listed name nothing uses', (m) => { m.metricsText += 'casework_unused_total counter session - planned\n'; },
      /^names: casework_unused_total is listed in metrics.txt but no rule or dashboard uses it/],
    ['a counter without _total', (m) => { m.metricsText = m.metricsText.replace('casework_phase_overruns_total ', 'casework_phase_overruns '); },
      /^metrics.txt: casework_phase_overruns: a counter's name ends in _total/],
  ]);
  const unparsable = unparsableQueries([{ where: 'fixture', expr: 'sum(rate(grpc_server_handled_total[$__rate_interval])' }]);
  results.push(report('promtool refuses a dashboard query that does not parse', unparsable.length ? [] : ['not caught: sum(rate(...) missing a parenthesis']));
}

requireTool('kubectl', KUBECTL_HINT);
requireTool('promtool', 'script/bootstrap installs Debian\'s prometheus package, which has promtool');
for (const suite of [kubernetesChecks, dockerfileChecks, composeChecks, monitoringChecks]) {
  try {
    suite();
  } catch (error) {
    results.push(report(suite.name, [error.stack]));
  }
}
process.exit(results.some((failures) => failures > 0) ? 1 : 0);
