#!/usr/bin/env node
// Checks deploy/compose.yaml without a Docker daemon: `docker-compose config -q` (Debian's
// docker-compose validates the file against the Compose schema offline), then our rules: every
// long-running service has a healthcheck, every depends_on names a condition, the casework
// services use our health probe and only flags their binaries accept, images are pinned, the
// services run read-only and unprivileged, Redis runs with deploy/redis/redis.conf and a volume,
// and the files Prometheus and Grafana mount exist.
// Usage: node tests/deploy/check_compose.mjs --bin-dir build/bin
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { binaryFlags, repoRoot, report, requireTool, run } from './lib/common.mjs';

export const COMPOSE_FILE = path.join(repoRoot, 'deploy/compose.yaml');
const CASEWORK = { session: 50051, records: 50052, notification: 50053 };
// Services without a healthcheck, and why (anything else must have one).
const NO_HEALTHCHECK = {
  'jwt-key': 'one-shot: copies the key and exits (dependants wait for service_completed_successfully)',
  'redis-exporter': 'scratch image without a shell; Prometheus watches it (up{job="casework-redis"})',
};

// The compose file as docker-compose resolves it (anchors, merges, relative paths).
export function resolvedCompose(file) {
  const result = run('docker-compose', ['-f', file, 'config'], { cwd: path.dirname(file) });
  if (result.status !== 0) throw new Error(`docker-compose config: ${result.stderr.trim()}`);
  return result.stdout;
}

// A volume entry, short ("src:dst:ro") or long syntax, as { type, source, target }.
function volumeEntry(volume) {
  if (typeof volume !== 'string') return volume;
  const [source, target] = volume.split(':');
  return { type: /^[./~]/.test(source) ? 'bind' : 'volume', source, target };
}

export function checkCompose(config, options) {
  const errors = [];
  const services = structuredClone(config.services ?? {});
  for (const service of Object.values(services)) service.volumes = (service.volumes ?? []).map(volumeEntry);
  for (const name of [...Object.keys(CASEWORK), 'redis', 'prometheus', 'grafana']) {
    if (!services[name]) errors.push(`compose: no service ${name}`);
  }
  for (const [name, service] of Object.entries(services)) {
    const image = String(service.image ?? '');
    const tag = image.includes('@') ? 'digest' : (image.split('/').pop().split(':')[1] ?? '');
    if (!tag) errors.push(`compose: ${name}: image ${image || '(none)'} has no tag`);
    if (tag === 'latest') errors.push(`compose: ${name}: image ${image} uses latest`);
    if (!service.healthcheck && !NO_HEALTHCHECK[name]) errors.push(`compose: ${name}: no healthcheck`);
    if (service.healthcheck?.disable) errors.push(`compose: ${name}: healthcheck disabled`);
    for (const [dependency, spec] of Object.entries(service.depends_on ?? {})) {
      if (!spec?.condition) errors.push(`compose: ${name}: depends_on ${dependency} without a condition`);
      if (!services[dependency]) errors.push(`compose: ${name}: depends_on unknown service ${dependency}`);
      if (spec?.condition === 'service_healthy' && !services[dependency]?.healthcheck) {
        errors.push(`compose: ${name}: waits for ${dependency} to be healthy, which has no healthcheck`);
      }
    }
    for (const volume of service.volumes ?? []) {
      if (volume.type === 'bind' && !fs.existsSync(volume.source)) errors.push(`compose: ${name}: mounts ${volume.source}, which does not exist`);
    }
  }
  for (const [name, port] of Object.entries(CASEWORK)) {
    const service = services[name];
    if (!service) continue;
    const where = `compose: ${name}`;
    const probe = (service.healthcheck?.test ?? []).join(' ');
    if (!probe.includes('casework-health-probe') || !probe.includes(`:${port}`)) errors.push(`${where}: healthcheck must run casework-health-probe on port ${port}`);
    if (service.read_only !== true) errors.push(`${where}: must run with read_only: true`);
    if (!(service.cap_drop ?? []).includes('ALL')) errors.push(`${where}: must drop ALL capabilities`);
    if (!(service.security_opt ?? []).some((o) => /no-new-privileges(:true)?$/.test(o))) errors.push(`${where}: needs security_opt no-new-privileges`);
    if (service.user !== undefined && /^(root|0)(:|$)/.test(String(service.user))) errors.push(`${where}: runs as root`);
    for (const dependency of name === 'records' ? [] : ['redis', 'records']) {
      if (service.depends_on?.[dependency]?.condition !== 'service_healthy') errors.push(`${where}: must wait for ${dependency} to be healthy`);
    }
    const command = Array.isArray(service.command) ? service.command : String(service.command ?? '').split(/\s+/).filter(Boolean);
    if (!command.some((a) => a.startsWith('--jwt_hs256_key_file=') || a.startsWith('--jwt_public_keys='))) {
      errors.push(`${where}: no token verification key flag`);
    }
    if (options.binDir) {
      const known = binaryFlags(options.binDir, `casework-${name}`);
      for (const arg of command) {
        const flag = /^--([A-Za-z0-9_]+)/.exec(arg)?.[1];
        if (!flag) errors.push(`${where}: argument '${arg}' is not a --flag`);
        else if (!known.has(flag)) errors.push(`${where}: --${flag} is not a flag of casework-${name}`);
      }
    }
  }
  const redis = services.redis;
  if (redis) {
    const command = (Array.isArray(redis.command) ? redis.command : String(redis.command ?? '').split(/\s+/)).join(' ');
    const conf = (redis.volumes ?? []).find((v) => v.type === 'bind' && v.source === options.redisConf);
    if (!conf || !command.includes(conf.target)) errors.push('compose: redis must start with deploy/redis/redis.conf mounted into the container');
    if (!(redis.volumes ?? []).some((v) => v.type === 'volume' && command.includes(`--dir ${v.target}`))) {
      errors.push('compose: redis must keep its data (--dir) in a named volume');
    }
  }
  const prometheus = services.prometheus;
  if (prometheus) {
    const mounts = (prometheus.volumes ?? []).map((v) => v.source);
    for (const required of ['deploy/monitoring/prometheus.yml', 'deploy/monitoring/rules']) {
      if (!mounts.includes(path.join(repoRoot, required))) errors.push(`compose: prometheus must mount ${required}`);
    }
  }
  const grafana = services.grafana;
  if (grafana) {
    const mounts = (grafana.volumes ?? []).map((v) => v.source);
    for (const required of ['deploy/grafana/provisioning', 'deploy/grafana/dashboards']) {
      if (!mounts.includes(path.join(repoRoot, required))) errors.push(`compose: grafana must mount ${required}`);
    }
  }
  return errors;
}

async function main() {
  const binIndex = process.argv.indexOf('--bin-dir');
  const binDir = binIndex > 0 ? path.resolve(process.argv[binIndex + 1]) : undefined;
  requireTool('docker-compose', 'script/bootstrap installs Debian\'s docker-compose, which validates compose files offline');
  let failures = 0;
  const check = run('docker-compose', ['-f', COMPOSE_FILE, 'config', '-q'], { cwd: path.dirname(COMPOSE_FILE) });
  failures += report('docker-compose config -q deploy/compose.yaml', check.status === 0 ? [] : [check.stderr.trim()]);
  if (check.status === 0) {
    let errors;
    try {
      const { parse } = await import('yaml');
      errors = checkCompose(parse(resolvedCompose(COMPOSE_FILE)), { binDir, redisConf: path.join(repoRoot, 'deploy/redis/redis.conf') });
    } catch (error) {
      errors = [error.message];
    }
    failures += report('deploy/compose.yaml: healthchecks, dependencies, flags, security, mounts', errors);
  }
  process.exit(failures ? 1 : 0);
}

if (fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) await main();
