// Helpers shared by the deploy checks (tests/deploy/check_*.mjs): paths, tools, YAML, reports.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function readRepoFile(relative) {
  return fs.readFileSync(path.join(repoRoot, relative), 'utf8');
}

// Fails the check with a clear message when a tool is missing.
export function requireTool(name, hint) {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    console.error(`FAIL: '${name}' is not installed: ${hint}`);
    process.exit(1);
  }
}

// Runs a command; returns { status, stdout, stderr }.
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.error) throw result.error;
  return result;
}

// Every document of a multi-document YAML text, as plain objects (empty documents dropped).
export function parseYamlDocuments(text, source) {
  const docs = YAML.parseAllDocuments(text);
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

// Command-line flags a binary accepts, from its --helpfull (absl prints "  --name (help)").
const flagCache = new Map();
export function binaryFlags(binDir, binary) {
  const key = `${binDir}/${binary}`;
  if (!flagCache.has(key)) {
    const file = path.join(binDir, binary);
    if (!fs.existsSync(file)) {
      throw new Error(`${file} does not exist: build ${binary} first (script/test builds everything)`);
    }
    const help = run(file, ['--helpfull']);
    const flags = new Set();
    for (const line of `${help.stdout}\n${help.stderr}`.split('\n')) {
      const match = /^\s+--([A-Za-z0-9_]+)\s/.exec(line);
      if (match) flags.add(match[1]);
    }
    if (!flags.has('grpc_address')) throw new Error(`${file} --helpfull listed no --grpc_address`);
    flagCache.set(key, flags);
  }
  return flagCache.get(key);
}

// absl duration text ("5s", "1m30s", "250ms", "0") in seconds, or NaN.
export function parseDuration(text) {
  if (text === '0') return 0;
  const units = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };
  let total = 0;
  let rest = String(text);
  if (!rest) return NaN;
  while (rest) {
    const match = /^(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/.exec(rest);
    if (!match) return NaN;
    total += Number(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

// Prints the findings of one named check; returns the number of errors.
export function report(name, errors) {
  if (errors.length) {
    console.error(`FAIL ${name}:`);
    for (const error of errors) console.error(`  - ${error}`);
  } else {
    console.log(`ok   ${name}`);
  }
  return errors.length;
}
