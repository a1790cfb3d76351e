#!/usr/bin/env node
// Checks the monitoring configuration as one whole:
//  - deploy/monitoring/metrics.txt is well formed (types, exporters, status; counters end _total);
//  - every metric name a rule or a Grafana dashboard query uses is listed there (or recorded by a
//    rule), and every listed name is used;
//  - dashboards are JSON with unique panel ids, our datasource uid, and queries that PromQL parses
//    (promtool check rules on a temporary rules file holding each query);
//  - the Kubernetes PrometheusRule is in sync with deploy/monitoring/rules/*.yml.
// promtool check config / check rules / test rules run as their own ctest tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

import { renderPrometheusRule, target as prometheusRuleFile } from '../../deploy/monitoring/render-prometheus-rule.mjs';
import { readRepoFile, repoRoot, report, requireTool, run } from './lib/common.mjs';

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary']);
const EXPORTERS = new Set(['session', 'records', 'notification', 'prometheus', 'redis-exporter']);
const STATUSES = new Set(['exported', 'on-use', 'planned', 'external']);
const DATASOURCE_UID = 'casework-prometheus';
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'offset', 'bool', 'inf', 'nan', 'Inf', 'NaN', 'atan2', 'start', 'end']);
// Grafana's variables, replaced by something PromQL parses.
const GRAFANA_VARIABLES = [[/\$__rate_interval|\$\{__rate_interval\}/g, '5m'], [/\$__interval|\$\{__interval\}/g, '1m'],
  [/\$__range|\$\{__range\}/g, '1h'], [/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, 'x']];

export function readMetricsList(text) {
  const metrics = new Map();
  const errors = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, type, exportedBy, labels, status, extra] = line.trim().split(/\s+/);
    const where = `metrics.txt: ${name}`;
    if (extra !== undefined || status === undefined) { errors.push(`${where}: needs exactly 5 columns`); continue; }
    if (metrics.has(name)) errors.push(`${where}: listed twice`);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) errors.push(`${where}: not a metric name`);
    if (!TYPES.has(type)) errors.push(`${where}: unknown type ${type}`);
    if (type === 'counter' && !name.endsWith('_total')) errors.push(`${where}: a counter's name ends in _total`);
    if (type !== 'counter' && name.endsWith('_total')) errors.push(`${where}: only counters end in _total`);
    const exporters = exportedBy.split(',');
    for (const exporter of exporters) if (!EXPORTERS.has(exporter)) errors.push(`${where}: unknown exporter ${exporter}`);
    if (!STATUSES.has(status)) errors.push(`${where}: unknown status ${status}`);
    const ours = exporters.some((e) => ['session', 'records', 'notification'].includes(e));
    if (ours && status === 'external') errors.push(`${where}: our services' metrics are exported, on-use or planned, not external`);
    if (!ours && status !== 'external') errors.push(`${where}: a third-party exporter's metric is external`);
    metrics.set(name, { type, exporters, labels: labels === '-' ? [] : labels.split(','), status });
  }
  return { metrics, errors };
}

// Metric names in a PromQL expression: identifiers that are not functions, keywords, label names
// (in {...}, by (...), on (...)), durations or strings.
export function metricNames(expr) {
  let s = expr;
  for (const [pattern, value] of GRAFANA_VARIABLES) s = s.replace(pattern, value);
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set();
  for (const match of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = s[match.index - 1];
    if (before && /[0-9.]/.test(before)) continue;  // 1e3, 5m
    if (/^\s*\(/.test(s.slice(match.index + match[0].length))) continue;  // a function
    if (KEYWORDS.has(match[0])) continue;
    names.add(match[0]);
  }
  return names;
}

// Resolves a used name to its metrics.txt entry: histograms and summaries by their series names.
function listedName(name, metrics) {
  if (metrics.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const entry = metrics.get(base);
  if (entry && (entry.type === 'histogram' || (entry.type === 'summary' && !name.endsWith('_bucket')))) return base;
  return undefined;
}

export function ruleExpressions(ruleFiles) {
  const expressions = [];
  const recorded = new Set();
  for (const [file, text] of ruleFiles) {
    for (const group of YAML.parse(text).groups ?? []) {
      for (const rule of group.rules ?? []) {
        if (rule.record) recorded.add(rule.record);
        expressions.push({ where: `${file} ${rule.record ?? rule.alert}`, expr: String(rule.expr) });
      }
    }
  }
  return { expressions, recorded };
}

// Queries of a dashboard (panel targets, nested rows, template variables), plus structural errors.
export function dashboardQueries(file, dashboard) {
  const queries = [];
  const errors = [];
  const ids = new Set();
  const visit = (panels) => {
    for (const panel of panels ?? []) {
      if (panel.id === undefined || ids.has(panel.id)) errors.push(`dashboard: ${file}: panel '${panel.title}' has no unique id`);
      ids.add(panel.id);
      if (!panel.gridPos) errors.push(`dashboard: ${file}: panel '${panel.title}' has no gridPos`);
      if (panel.type !== 'row' && !(panel.targets ?? []).length) errors.push(`dashboard: ${file}: panel '${panel.title}' has no query`);
      for (const t of panel.targets ?? []) {
        const uid = t.datasource?.uid ?? panel.datasource?.uid;
        if (uid !== DATASOURCE_UID) errors.push(`dashboard: ${file}: panel '${panel.title}' uses datasource ${uid}, not ${DATASOURCE_UID}`);
        if (!t.expr) errors.push(`dashboard: ${file}: panel '${panel.title}' target ${t.refId} has no expr`);
        else queries.push({ where: `${file} '${panel.title}'`, expr: t.expr });
      }
      visit(panel.panels);
    }
  };
  if (!dashboard.uid || !dashboard.title) errors.push(`dashboard: ${file}: needs uid and title`);
  visit(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\)$/.exec(query ?? '');
    queries.push({ where: `${file} variable ${variable.name}`, expr: labelValues ? labelValues[1] : query });
  }
  return { queries, errors };
}

// Fails for queries PromQL cannot parse (promtool check rules on a temporary file).
export function unparsableQueries(queries) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-dashboards-'));
  try {
    const rules = queries.map((q, i) => {
      let expr = q.expr;
      for (const [pattern, value] of GRAFANA_VARIABLES) expr = expr.replace(pattern, value);
      return { record: `dashboard:query_${i}`, expr };
    });
    const file = path.join(dir, 'dashboards.rules.yml');
    fs.writeFileSync(file, YAML.stringify({ groups: [{ name: 'dashboards', rules }] }));
    const result = run('promtool', ['check', 'rules', file]);
    if (result.status === 0) return [];
    return [`dashboard: a query does not parse: ${result.stderr.trim() || result.stdout.trim()}`,
      ...queries.map((q, i) => `  query_${i}: ${q.where}: ${q.expr}`)];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function checkMonitoring({ metricsText, ruleFiles, dashboards }) {
  const { metrics, errors } = readMetricsList(metricsText);
  const { expressions, recorded } = ruleExpressions(ruleFiles);
  const queries = [];
  for (const [file, text] of dashboards) {
    let dashboard;
    try {
      dashboard = JSON.parse(text);
    } catch (error) {
      errors.push(`dashboard: ${file} is not JSON: ${error.message}`);
      continue;
    }
    const found = dashboardQueries(file, dashboard);
    errors.push(...found.errors);
    queries.push(...found.queries);
  }
  const used = new Set();
  for (const { where, expr } of [...expressions, ...queries]) {
    for (const name of metricNames(expr)) {
      if (recorded.has(name)) continue;
      if (name.includes(':')) {
        errors.push(`names: ${where} uses ${name}, which no recording rule defines`);
        continue;
      }
      const listed = listedName(name, metrics);
      if (!listed) errors.push(`names: ${where} uses ${name}, which deploy/monitoring/metrics.txt does not list`);
      else used.add(listed);
    }
  }
  for (const name of metrics.keys()) {
    if (!used.has(name)) errors.push(`names: ${name} is listed in metrics.txt but no rule or dashboard uses it`);
  }
  return { errors, queries, metrics };
}

function main() {
  requireTool('promtool', 'script/bootstrap installs Debian\'s prometheus package, which has promtool');
  const rulesDir = path.join(repoRoot, 'deploy/monitoring/rules');
  const dashboardsDir = path.join(repoRoot, 'deploy/grafana/dashboards');
  const ruleFiles = fs.readdirSync(rulesDir).filter((f) => f.endsWith('.yml')).sort()
    .map((f) => [`deploy/monitoring/rules/${f}`, fs.readFileSync(path.join(rulesDir, f), 'utf8')]);
  const dashboards = fs.readdirSync(dashboardsDir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => [`deploy/grafana/dashboards/${f}`, fs.readFileSync(path.join(dashboardsDir, f), 'utf8')]);
  let failures = 0;
  const { errors, queries, metrics } = checkMonitoring({ metricsText: readRepoFile('deploy/monitoring/metrics.txt'), ruleFiles, dashboards });
  failures += report(`metric names: ${ruleFiles.length} rule files, ${dashboards.length} dashboards, ${metrics.size} names in metrics.txt`, errors);
  failures += report(`dashboard queries parse as PromQL (${queries.length})`, unparsableQueries(queries));
  const current = fs.existsSync(prometheusRuleFile) ? fs.readFileSync(prometheusRuleFile, 'utf8') : '';
  failures += report('k8s/components/monitoring/prometheusrule.yaml matches deploy/monitoring/rules',
    current === renderPrometheusRule() ? [] : ['stale: run node deploy/monitoring/render-prometheus-rule.mjs']);
  const planned = [...metrics].filter(([, m]) => m.status === 'planned').map(([name]) => name);
  if (planned.length) console.log(`note: ${planned.length} names are planned, not exported yet (deploy_binaries_test reports them as skipped)`);
  process.exit(failures ? 1 : 0);
}

if (fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) main();
