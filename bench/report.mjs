// Turns one script/bench run (a directory of <id>.<rep>.json client reports with the services'
// /metrics before and after each) into medians, per-repetition ratios, gates, a JSON file and a
// Markdown table. Exits 1 when a gate fails or has no measurement.
//   node bench/report.mjs --runs DIR --mode quick|full --reps N --json OUT.json --markdown OUT.md
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);

const median = (values) => {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

// Prometheus text → {"<port> <series>": value} for counters (no buckets).
function parseMetrics(file) {
  const values = {};
  if (!fs.existsSync(file)) return values;
  let port = '';
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const marker = line.match(/^# SERVICE (\d+)/);
    if (marker) port = marker[1];
    if (line.startsWith('#') || !line.trim()) continue;
    const m = line.match(/^(\S+?_total(?:\{[^}]*\})?)\s+(\S+)/);
    if (m) values[`${port} ${m[1]}`] = Number(m[2]);
  }
  return values;
}

function metricDeltas(dir, base) {
  const before = parseMetrics(path.join(dir, `${base}.before.prom`));
  const after = parseMetrics(path.join(dir, `${base}.after.prom`));
  const deltas = {};
  for (const [series, value] of Object.entries(after)) {
    const delta = value - (before[series] ?? 0);
    if (delta !== 0 && !series.includes('grpc.health') && !series.includes('Reflection') &&
        !series.includes('exposer_')) {
      deltas[series] = delta;
    }
  }
  return deltas;
}

// runs[id][rep] = {report, metrics}
const runs = {};
for (const file of fs.readdirSync(args.runs)) {
  const m = file.match(/^(.+)\.(\d+)\.json$/);
  if (!m) continue;
  const [, id, rep] = m;
  let report;
  const text = fs.readFileSync(path.join(args.runs, file), 'utf8').trim();
  try {
    report = JSON.parse(text.split('\n')[0]);
  } catch {
    const err = path.join(args.runs, `${id}.${rep}.err`);
    report = { error: `no report: ${fs.existsSync(err) ? fs.readFileSync(err, 'utf8').trim() : text}` };
  }
  runs[id] ??= {};
  runs[id][Number(rep)] = { report, metrics: metricDeltas(args.runs, `${id}.${rep}`) };
}

const reps = (id) => Object.keys(runs[id] ?? {}).map(Number).sort((a, b) => a - b);
const field = (report, dotted) => dotted.split('.').reduce((o, k) => (o == null ? undefined : o[k]), report);
const failed = (report) => !report || (report.error !== undefined && report.error !== '') ||
  (report.result && report.result.error);

function summary(id) {
  const rs = reps(id).map((r) => runs[id][r].report);
  const ok = rs.filter((r) => !failed(r));
  const m = (f) => median(ok.map((r) => field(r, f)));
  const s = { id, runs: rs.length, failed_runs: rs.length - ok.length };
  const first = ok[0];
  if (!first) {
    s.error = rs.map((r) => r.error || (r.result && r.result.error)).find(Boolean) ?? 'no runs';
    return s;
  }
  if (first.result.contributions !== undefined) {
    s.growth = first.result;  // one run: the session grown to its size
  } else if (first.result.qps !== undefined) {
    Object.assign(s, {
      qps: m('result.qps'), p50_us: m('result.latency.p50_us'), p90_us: m('result.latency.p90_us'),
      p99_us: m('result.latency.p99_us'), p999_us: m('result.latency.p999_us'),
      errors: ok.reduce((n, r) => n + r.result.errors, 0),
      skipped_sends: ok.reduce((n, r) => n + r.result.skipped_sends, 0),
      late_sends: ok.reduce((n, r) => n + r.result.late_sends, 0),
      stuck: ok.reduce((n, r) => n + r.result.stuck, 0),
    });
  } else {
    Object.assign(s, {
      delivered_per_s: m('result.delivered_per_s'), published_per_s: m('result.published_per_s'),
      paced_p50_us: m('result.last_receiver.p50_us'), paced_p99_us: m('result.last_receiver.p99_us'),
      paced_max_us: m('result.last_receiver.max_us'),
      paced_samples: ok.reduce((n, r) => n + r.result.paced_sent, 0),
      paced_missed: ok.reduce((n, r) => n + r.result.paced_missed, 0),
      publish_errors: ok.reduce((n, r) => n + r.result.publish_errors, 0),
      order_faults: ok.reduce((n, r) => n + r.result.gaps + r.result.duplicates + r.result.out_of_range, 0),
      undrained: ok.filter((r) => !r.result.drained).length,
      ended_early: ok.reduce((n, r) => n + r.result.ended, 0),
    });
  }
  s.servers = {};
  for (const name of Object.keys(first.servers ?? {})) {
    s.servers[name] = {
      cpu_us_per_op: m(`servers.${name}.cpu_us_per_op`),
      cpu_seconds: m(`servers.${name}.cpu_seconds`),
      rss_kib: m(`servers.${name}.rss_kib`),
      threads: m(`servers.${name}.threads`),
      fds: m(`servers.${name}.fds`),
    };
  }
  // The client's successes over the whole run next to what the services counted meanwhile.
  const last = runs[id][reps(id).at(-1)];
  // Fan-out: the warm-up event, the saturated stage's and the paced stage's.
  s.client_total_ok = field(last.report, 'result.total_ok') ??
    (last.report.result ? 1 + last.report.result.published + last.report.result.paced_sent : null);
  s.service_counts = last.metrics;
  const methods = { add_contribution: ['AddContribution'], create_case: ['CreateCase'],
    watch: ['PauseSession', 'ResumeSession'] }[id.split('.')[0]];
  if (methods) {
    s.service_ok = Object.entries(last.metrics)
      .filter(([k]) => k.includes('grpc_server_handled_total') && k.includes('grpc_code="OK"') &&
        methods.some((m) => k.includes(`grpc_method="${m}"`)))
      .reduce((n, [, v]) => n + v, 0);
  }
  if (id.startsWith('watch.')) {
    // The notification service's own count of frames it delivered, next to what the client
    // expects its K watchers to have received (every event of the run, K times).
    s.service_delivered = Object.entries(last.metrics)
      .filter(([k]) => k.startsWith('9466 casework_events_delivered_total'))
      .reduce((n, [, v]) => n + v, 0);
    s.client_delivered = s.client_total_ok === null ? null : s.client_total_ok * last.report.watchers;
  }
  return s;
}

// Per-repetition ratio of the system to its baseline (adjacent in time), then the median.
function pairedRatio(systemId, baselineId, f, combine = (a, b) => a / b) {
  const values = [];
  for (const rep of reps(systemId)) {
    const sys = runs[systemId][rep]?.report;
    const base = runs[baselineId]?.[rep]?.report;
    if (failed(sys) || failed(base)) continue;
    const a = field(sys, f);
    const b = field(base, f);
    if (typeof a === 'number' && typeof b === 'number' && b !== 0) values.push(combine(a, b));
  }
  return { value: median(values), samples: values.length };
}

// A gate whose scenarios were not run at all (script/bench --only) is skipped, not failed; one
// whose runs failed or measured nothing fails.
const gates = [];
function gate(id, what, measured, target, pass, detail, scenarioIds) {
  const ran = scenarioIds.some((s) => runs[s]);
  gates.push({ id, what, measured, target, detail, skipped: !ran,
    pass: !ran ? null : measured === null ? false : pass });
}
const fmt = (x, digits = 2) => (x === null || x === undefined ? 'n/a' : Number(x).toFixed(digits));

// S1 and S3 against the durable echo (issue 17): the same client and gRPC path, answering once
// one EVALSHA has appended the payload to the stack's Redis (appendfsync always) — the floor of
// any durable Redis-backed command. The ratios to the bare echo are reported beside them.
for (const n of [16, 64]) {
  const r = pairedRatio(`add_contribution.${n}`, `durable_echo.${n}`, 'result.qps');
  gate(`S1@${n}`, `AddContribution QPS at ${n} in flight / durable echo QPS`, r.value, '≥ 0.80',
    r.value !== null && r.value >= 0.8, `${r.samples} paired reps`,
    [`add_contribution.${n}`, `durable_echo.${n}`]);
}
for (const n of [16, 64]) {
  const r = pairedRatio(`add_contribution.${n}`, `echo.${n}`, 'result.qps');
  gate(`S1-echo@${n}`, `AddContribution QPS at ${n} in flight / bare echo QPS`, r.value,
    'reported (no gate)', r.value !== null, `${r.samples} paired reps`,
    [`add_contribution.${n}`, `echo.${n}`]);
}
{
  const r = pairedRatio('add_contribution.1', 'durable_echo.1', 'result.latency.p50_us',
    (a, b) => a - b);
  gate('S3', 'AddContribution p50 − durable echo p50 at 1 in flight (µs)', r.value, '≤ 150 µs',
    r.value !== null && r.value <= 150, `${r.samples} paired reps`,
    ['add_contribution.1', 'durable_echo.1']);
}
{
  const g = runs.session_growth ? summary('session_growth').growth : null;
  const ratio = g && g.p50_us_at_50 > 0 ? g.p50_us_at_5000 / g.p50_us_at_50 : null;
  gate('S5', 'AddContribution p50 at a session\'s 5,000th contribution / at its 50th', ratio,
    '≤ 1.20', ratio !== null && ratio <= 1.2,
    g ? `p50 ${fmt(g.p50_us_at_50, 0)} µs → ${fmt(g.p50_us_at_5000, 0)} µs (→ ${fmt(g.p50_us_at_last, 0)} µs at ${g.contributions})` : 'not run',
    ['session_growth']);
  const bytes = g && g.redis_bytes_per_contribution_first >= 0 && g.redis_bytes_per_contribution_last >= 0
    ? Math.max(g.redis_bytes_per_contribution_first, g.redis_bytes_per_contribution_last) : null;
  gate('S6', 'Redis bytes written per AddContribution, worst of the first and last windows', bytes,
    '≤ 2048', bytes !== null && bytes <= 2048,
    g ? `${fmt(g.redis_bytes_per_contribution_first, 0)} B in the first ${g.window}, ${fmt(g.redis_bytes_per_contribution_last, 0)} B in the last (AOF growth; -1: a rewrite fell inside)` : 'not run',
    ['session_growth']);
  const whole = g ? g.errors === 0 && g.get_session_ok && g.end_ok && g.record_stored : null;
  gate('S10k', `a ${g ? g.contributions : 10000}-contribution session: no refusal, GetSession FULL under 4 MiB, ended, record stored`,
    g ? g.get_session_bytes : null, 'all true', whole === true,
    g ? `${g.errors} errors; FULL view ${g.get_session_bytes} bytes, ${g.get_session_contributions} contributions${g.get_session_error ? ` (${g.get_session_error})` : ''}; end ${g.end_ok}${g.end_error ? ` (${g.end_error})` : ''}; record stored ${g.record_stored}` : 'not run',
    ['session_growth']);
}
{
  const s = runs['add_contribution.16'] ? summary('add_contribution.16') : null;
  const cpu = s && !s.error && s.servers.notification ? s.servers.notification.cpu_us_per_op : null;
  gate('S7', 'notification service CPU per AddContribution with no watcher (µs, 16 in flight)', cpu,
    '≤ 10 µs', cpu !== null && cpu <= 10, s ? `${s.runs} runs` : 'not run', ['add_contribution.16']);
}
for (const k of [100, 1000]) {
  const r = pairedRatio(`watch.${k}`, `hub.${k}`, 'result.delivered_per_s');
  const s = runs[`watch.${k}`] ? summary(`watch.${k}`) : null;
  const clean = s && !s.error && s.paced_missed === 0 && s.order_faults === 0 && s.undrained === 0;
  gate(`N1@${k}`, `WatchSession delivered events/s, K=${k} / bare hub`, r.value, '≥ 0.80',
    r.value !== null && r.value >= 0.8 && clean,
    `${r.samples} paired reps${clean ? '' : '; misses or order faults'}`, [`watch.${k}`, `hub.${k}`]);
}
for (const [k, limit] of [[10, 5000], [100, 15000], [1000, 100000]]) {
  const s = runs[`watch.${k}`] ? summary(`watch.${k}`) : null;
  const value = s && !s.error ? s.paced_p99_us : null;
  const clean = s && !s.error && s.paced_missed === 0 && s.order_faults === 0;
  gate(`N3@${k}`, `state change → last of K=${k} watchers, p99 (µs, paced 10/s)`, value,
    `≤ ${limit} µs`, value !== null && value <= limit && clean,
    s ? `${s.paced_samples ?? 0} events, ${s.paced_missed ?? 'n/a'} missed` : 'not run', [`watch.${k}`]);
}
{
  // The same watchers and session with and without a client that stopped reading, adjacent in
  // time: the others' paced p99 may grow by at most 20 %.
  const r = pairedRatio('watch_stalled.100', 'watch.100', 'result.last_receiver.p99_us');
  const s = runs['watch_stalled.100'] ? summary('watch_stalled.100') : null;
  const clean = s && !s.error && s.paced_missed === 0 && s.order_faults === 0;
  gate('N4@100', 'paced p99 to the last of K=100 watchers with a stalled client / without',
    r.value, '≤ 1.20', r.value !== null && r.value <= 1.2 && clean,
    `${r.samples} paired reps${clean ? '' : '; misses or order faults'}`,
    ['watch_stalled.100', 'watch.100']);
}
{
  const r = pairedRatio('create_case.64', 'echo.64', 'result.qps');
  gate('R2', 'CreateCase QPS at 64 in flight / echo QPS', r.value, '≥ 0.50',
    r.value !== null && r.value >= 0.5, `${r.samples} paired reps`, ['create_case.64', 'echo.64']);
}

{
  // Reported beside R2, not gated: the same client against records on a private PostgreSQL
  // (one server process on the same 2 cores; SERIALIZABLE transactions, group commit).
  const r = pairedRatio('create_case_pg.64', 'echo.64', 'result.qps');
  gate('R2-pg', 'CreateCase on PostgreSQL, QPS at 64 in flight / echo QPS', r.value,
    'reported (no gate)', r.value !== null, `${r.samples} paired reps`,
    ['create_case_pg.64', 'echo.64']);
}

const summaries = Object.keys(runs).sort().map(summary);
const load = os.loadavg();
const result = {
  time: new Date().toISOString(),
  mode: args.mode,
  repetitions: Number(args.reps),
  machine: {
    cpus: os.cpus().length, model: os.cpus()[0]?.model, memory_gib: os.totalmem() / 2 ** 30,
    loadavg_at_end: load, kernel: os.release(),
  },
  gates,
  scenarios: summaries,
};
fs.writeFileSync(args.json, JSON.stringify(result, null, 2) + '\n');

const lines = [];
lines.push(`Benchmark ${result.time} (${args.mode}, ${args.reps} repetitions, ${result.machine.cpus} CPUs, load average at end ${load.map((x) => x.toFixed(2)).join(' ')})`);
lines.push('');
lines.push('| gate | what | measured | target | result | basis |');
lines.push('|---|---|---|---|---|---|');
for (const g of gates) {
  lines.push(`| ${g.id} | ${g.what} | ${fmt(g.measured, g.measured !== null && Math.abs(g.measured) < 10 ? 2 : 0)} | ${g.target} | ${g.skipped ? 'skipped' : g.pass ? 'pass' : '**FAIL**'} | ${g.detail} |`);
}
lines.push('');
lines.push('| scenario | QPS or delivered/s | p50 µs | p99 µs | CPU µs/op (window) | RSS MiB | misses | client OK / service OK (last rep, whole run) |');
lines.push('|---|---|---|---|---|---|---|---|');
for (const s of summaries) {
  if (s.error) {
    lines.push(`| ${s.id} | error: ${String(s.error).slice(0, 120)} | | | | | | |`);
    continue;
  }
  if (s.growth) {
    const g = s.growth;
    const cpu = Object.entries(s.servers).map(([n, v]) => `${n} ${fmt(v.cpu_us_per_op, 1)}`).join(', ');
    const rss = Object.entries(s.servers).map(([n, v]) => `${n} ${fmt(v.rss_kib / 1024, 0)}`).join(', ');
    lines.push(`| ${s.id} (${g.contributions}, 1 in flight) | | ${fmt(g.p50_us_at_50, 0)} → ${fmt(g.p50_us_at_last, 0)} | | ${cpu} | ${rss} | ${g.errors} errors | |`);
    continue;
  }
  const rate = s.qps ?? s.delivered_per_s;
  const p50 = s.p50_us ?? s.paced_p50_us;
  const p99 = s.p99_us ?? s.paced_p99_us;
  const cpu = Object.entries(s.servers).map(([n, v]) => `${n} ${fmt(v.cpu_us_per_op, 1)}`).join(', ');
  const rss = Object.entries(s.servers).map(([n, v]) => `${n} ${fmt(v.rss_kib / 1024, 0)}`).join(', ');
  const misses = s.qps !== undefined
    ? `${s.errors} errors, ${s.stuck} stuck, ${s.skipped_sends} skipped`
    : `${s.paced_missed} missed, ${s.order_faults} order faults, ${s.undrained} undrained, ${s.publish_errors} publish errors`;
  let counts = s.service_ok === undefined ? '' : `${s.client_total_ok} / ${s.service_ok}`;
  if (s.service_delivered !== undefined) {
    counts += `; delivered ${s.client_delivered} / ${s.service_delivered}`;
  }
  lines.push(`| ${s.id} | ${fmt(rate, 0)} | ${fmt(p50, 0)} | ${fmt(p99, 0)} | ${cpu} | ${rss} | ${misses}${s.failed_runs ? `; ${s.failed_runs} failed runs` : ''} | ${counts} |`);
}
const markdown = lines.join('\n') + '\n';
fs.writeFileSync(args.markdown, markdown);
process.stdout.write(markdown);
process.stdout.write(`\nResults: ${args.json}, ${args.markdown}\n`);
process.exit(gates.every((g) => g.skipped || g.pass) ? 0 : 1);
