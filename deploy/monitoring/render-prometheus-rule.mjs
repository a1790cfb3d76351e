#!/usr/bin/env node
// Writes k8s/components/monitoring/prometheusrule.yaml from deploy/monitoring/rules/*.yml, so
// compose and Kubernetes load the same rules. tests/deploy/check_monitoring.mjs fails when the
// file is stale. Usage: node deploy/monitoring/render-prometheus-rule.mjs [--check]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
export const rulesDir = path.join(here, 'rules');
export const target = path.join(here, '../../k8s/components/monitoring/prometheusrule.yaml');

// The rule groups of every rules/*.yml, in file order.
export function ruleGroups() {
  return fs.readdirSync(rulesDir).filter((f) => f.endsWith('.yml')).sort()
    .flatMap((f) => YAML.parse(fs.readFileSync(path.join(rulesDir, f), 'utf8')).groups);
}

export function renderPrometheusRule() {
  const groups = ruleGroups();
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'casework',
      labels: {
        'app.kubernetes.io/name': 'casework',
        'app.kubernetes.io/component': 'monitoring',
        'app.kubernetes.io/part-of': 'casework',
      },
    },
    spec: { groups },
  };
  return '# Generated from deploy/monitoring/rules/*.yml by deploy/monitoring/render-prometheus-rule.mjs;\n' +
    '# do not edit (tests/deploy/check_monitoring.mjs fails when it is stale).\n' +
    YAML.stringify(rule, { lineWidth: 0 });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const text = renderPrometheusRule();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current !== text) {
      console.error(`${target} is stale: run node deploy/monitoring/render-prometheus-rule.mjs`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
}
