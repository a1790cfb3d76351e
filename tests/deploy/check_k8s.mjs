#!/usr/bin/env node
// Renders every kustomization of k8s/ with `kubectl kustomize` (base, overlays dev and prod, and
// each component on top of the base) and checks each render: schema (kubernetes-models, strict
// about unknown fields) and our policies (lib/k8s_checks.mjs). Key material is never committed,
// so the overlays render from a temporary copy of k8s/ with placeholder key files.
// Usage: node tests/deploy/check_k8s.mjs --bin-dir build/bin
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ruleGroups } from '../../deploy/monitoring/render-prometheus-rule.mjs';
import { parseYamlDocuments, readRepoFile, repoRoot, report, requireTool, run } from './lib/common.mjs';
import { checkRender } from './lib/k8s_checks.mjs';

export const KUBECTL_HINT = 'kubectl (with its built-in kustomize) renders the manifests; it is not a Debian package: ' +
  'install it from the Kubernetes project (https://kubernetes.io/docs/tasks/tools/) and re-run';

// A temporary copy of k8s/ with placeholder keys and one kustomization per component.
export function prepareTree() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-k8s-'));
  const tree = path.join(dir, 'k8s');
  fs.cpSync(path.join(repoRoot, 'k8s'), tree, { recursive: true });
  const placeholder = 'placeholder written by tests/deploy/check_k8s.mjs, not a key\n';
  fs.writeFileSync(path.join(tree, 'overlays/dev/secrets/jwt-hs256.key'), placeholder);
  fs.writeFileSync(path.join(tree, 'overlays/prod/keys/casework-1.pem'), placeholder);
  fs.writeFileSync(path.join(tree, 'overlays/prod/keys/session-service.jwt'), placeholder);
  fs.writeFileSync(path.join(tree, 'overlays/prod/keys/notification-service.jwt'), placeholder);
  fs.writeFileSync(path.join(tree, 'overlays/dev/secrets/postgres-password'), placeholder);
  fs.writeFileSync(path.join(tree, 'overlays/prod/keys/postgres-password'), placeholder);
  fs.writeFileSync(path.join(tree, 'overlays/prod/keys/postgres-ca.crt'), placeholder);
  fs.writeFileSync(path.join(tree, 'overlays/dev/secrets/records-page-token.key'), placeholder);
  fs.writeFileSync(path.join(tree, 'overlays/prod/keys/records-page-token.key'), placeholder);
  for (const component of fs.readdirSync(path.join(tree, 'components'))) {
    fs.mkdirSync(path.join(tree, '_test', component), { recursive: true });
    fs.writeFileSync(path.join(tree, '_test', component, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: casework-test\n' +
      `resources: [../../base]\ncomponents: [../../components/${component}]\n`);
  }
  return { dir, tree };
}

export function render(directory) {
  const result = run('kubectl', ['kustomize', directory]);
  if (result.status !== 0) throw new Error(`kubectl kustomize ${directory} failed:\n${result.stderr}`);
  return parseYamlDocuments(result.stdout, directory);
}

export const RENDERS = [
  { name: 'k8s/base', dir: 'base', options: {} },
  { name: 'k8s/overlays/dev', dir: 'overlays/dev', options: { references: true } },
  { name: 'k8s/overlays/prod', dir: 'overlays/prod', options: { references: true, production: true, monitoring: true, networkPolicies: true } },
  { name: 'k8s/components/monitoring (on the base)', dir: '_test/monitoring', options: { monitoring: true } },
  { name: 'k8s/components/network-policies (on the base)', dir: '_test/network-policies', options: { networkPolicies: true } },
];

export function commonOptions(binDir) {
  return { binDir, redisConf: readRepoFile('deploy/redis/redis.conf'), ruleGroups: ruleGroups() };
}

// Files of the repository that must never hold key material.
function keyMaterialErrors() {
  const listed = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'k8s', 'deploy'], { cwd: repoRoot });
  if (listed.status !== 0) return [];
  const errors = [];
  for (const file of listed.stdout.split('\n').filter(Boolean)) {
    if (/^k8s\/overlays\/[^/]+\/(secrets|keys)\//.test(file) && !file.endsWith('/README.md')) {
      errors.push(`secrets: ${file} would be committed: key material is created at deploy time, never committed`);
    }
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(fs.readFileSync(path.join(repoRoot, file), 'latin1'))) {
      errors.push(`secrets: ${file} contains a private key`);
    }
  }
  return errors;
}

function main() {
  const binIndex = process.argv.indexOf('--bin-dir');
  const binDir = binIndex > 0 ? path.resolve(process.argv[binIndex + 1]) : undefined;
  requireTool('kubectl', KUBECTL_HINT);
  let failures = 0;
  failures += report('k8s/base/redis/redis.conf is a copy of deploy/redis/redis.conf',
    readRepoFile('k8s/base/redis/redis.conf') === readRepoFile('deploy/redis/redis.conf') ? []
      : ['redis-copy: k8s/base/redis/redis.conf differs: cp deploy/redis/redis.conf k8s/base/redis/redis.conf']);
  failures += report('no key material in k8s/ or deploy/', keyMaterialErrors());
  const { dir, tree } = prepareTree();
  try {
    for (const { name, dir: sub, options } of RENDERS) {
      let errors;
      try {
        const objects = render(path.join(tree, sub));
        errors = checkRender(objects, { ...commonOptions(binDir), ...options });
        if (!errors.length) console.log(`     ${name}: ${objects.length} objects`);
      } catch (error) {
        errors = [error.message];
      }
      failures += report(`kubectl kustomize ${name}: schema and policies`, errors);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failures ? 1 : 0);
}

if (fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) main();
