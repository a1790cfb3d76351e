#!/usr/bin/env node
// Checks deploy/Dockerfile without a Docker daemon:
//  - the runtime stage installs exactly the Debian packages whose shared objects the built binaries
//    link directly (readelf NEEDED → ldd path → dpkg -S), less runtime-base, plus runtime-extra
//    of deploy/image-packages.txt;
//  - the build stage installs exactly script/bootstrap's APT_PACKAGES, less build-skip, plus
//    build-extra;
//  - structure: pinned base images (no latest), a non-root USER in every final image, a
//    HEALTHCHECK with our probe on the service's port, ENTRYPOINT of the service's binary.
// Usage: node tests/deploy/check_dockerfile.mjs --bin-dir build/bin
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { readRepoFile, report, requireTool, run } from './lib/common.mjs';

export const BINARIES = ['casework-session', 'casework-records', 'casework-notification', 'casework-health-probe'];
export const SERVICE_TARGETS = { session: 50051, records: 50052, notification: 50053 };

// Instructions of a Dockerfile: { stage, instruction, args, line }; continuations joined,
// comments dropped.
export function parseDockerfile(text) {
  const instructions = [];
  let stage = null;
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (!pending && (/^\s*#/.test(line) || !line.trim())) return;
    if (pending && /^\s*#/.test(line)) return;
    if (!pending) startLine = index + 1;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) return;
    const match = /^(\w+)\s*(.*)$/.exec(pending);
    pending = '';
    if (!match) return;
    const instruction = match[1].toUpperCase();
    const args = match[2];
    if (instruction === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      stage = { name: from[2] ?? `stage${instructions.length}`, image: from[1] };
    }
    instructions.push({ stage: stage?.name, instruction, args, line: startLine });
  });
  return instructions;
}

// Packages named by `apt-get install` in the RUN instructions of a stage.
export function aptInstalls(instructions, stageName) {
  const packages = [];
  for (const { stage, instruction, args } of instructions) {
    if (stage !== stageName || instruction !== 'RUN') continue;
    for (const command of args.split(/&&|;|\|\|/)) {
      const words = command.trim().split(/\s+/);
      const at = words.indexOf('install');
      if (words[0] !== 'apt-get' || at < 0) continue;
      packages.push(...words.slice(at + 1).filter((w) => w && !w.startsWith('-')));
    }
  }
  return packages;
}

export function readPolicy(text) {
  const policy = { 'runtime-base': new Map(), 'runtime-extra': new Map(), 'build-skip': new Map(), 'build-extra': new Map() };
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [kind, name, ...why] = line.trim().split(/\s+/);
    if (!policy[kind] || !name || !why.length) throw new Error(`deploy/image-packages.txt: cannot read '${line}'`);
    policy[kind].set(name, why.join(' '));
  }
  return policy;
}

export function bootstrapPackages(text) {
  const match = /APT_PACKAGES=\(([^)]*)\)/s.exec(text);
  if (!match) throw new Error('script/bootstrap: no APT_PACKAGES=( ... )');
  return match[1].split('\n').map((l) => l.replace(/#.*/, '')).join(' ').split(/\s+/).filter(Boolean);
}

// Debian packages owning `files` (one dpkg -S for all; usr-merged paths tried both ways).
function owners(files) {
  const owner = new Map();
  const ask = (paths) => {
    const result = run('dpkg', ['-S', ...paths]);
    for (const line of result.stdout.split('\n')) {
      const match = /^([^:,\s]+)(?::[a-z0-9]+)?: (\S+)$/.exec(line);
      if (match) owner.set(match[2], match[1]);
    }
  };
  ask([...new Set(files.map((f) => fs.realpathSync(f)))]);
  const unresolved = files.filter((f) => !owner.has(fs.realpathSync(f)));
  if (unresolved.length) ask([...new Set(unresolved.flatMap((f) => [f, f.replace(/^\/lib\//, '/usr/lib/'), fs.realpathSync(f).replace(/^\/usr\/lib\//, '/lib/')]))]);
  return (file) => owner.get(fs.realpathSync(file)) ?? owner.get(file) ?? owner.get(file.replace(/^\/lib\//, '/usr/lib/')) ??
    owner.get(fs.realpathSync(file).replace(/^\/usr\/lib\//, '/lib/'));
}

// Debian packages owning the shared objects the binaries link directly.
export function linkedPackages(binDir) {
  const needs = [];  // { binary, soname, file }
  for (const binary of BINARIES) {
    const file = path.join(binDir, binary);
    if (!fs.existsSync(file)) throw new Error(`${file} does not exist: build ${binary} first`);
    const needed = [...run('readelf', ['-d', file]).stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    const resolved = new Map([...run('ldd', [file]).stdout.matchAll(/^\s*(\S+) => (\S+)/gm)].map((m) => [m[1], m[2]]));
    for (const soname of needed) {
      const where = resolved.get(soname);
      if (!where || where === 'not') throw new Error(`${binary}: ldd cannot resolve ${soname}`);
      needs.push({ binary, soname, file: where });
    }
  }
  const ownerOf = owners(needs.map((n) => n.file));
  const packages = new Map();  // package → binaries needing it
  for (const { binary, soname, file } of needs) {
    const owner = ownerOf(file);
    if (!owner) throw new Error(`${binary}: no Debian package owns ${file} (${soname})`);
    if (!packages.has(owner)) packages.set(owner, new Set());
    packages.get(owner).add(`${binary} (${soname})`);
  }
  return packages;
}

export function checkPackages(instructions, policy, linked, bootstrap) {
  const errors = [];
  const notes = [];
  const runtime = new Set(aptInstalls(instructions, 'runtime'));
  if (!runtime.size) errors.push('packages: the runtime stage installs nothing with apt-get install');
  for (const [pkg, users] of linked) {
    if (!runtime.has(pkg) && !policy['runtime-base'].has(pkg)) {
      errors.push(`packages: runtime stage lacks ${pkg}, needed by ${[...users].join(', ')}`);
    }
  }
  for (const pkg of runtime) {
    if (linked.has(pkg)) {
      if (policy['runtime-extra'].has(pkg)) notes.push(`${pkg} is linked now: it can leave runtime-extra in deploy/image-packages.txt`);
    } else if (!policy['runtime-extra'].has(pkg)) {
      errors.push(`packages: runtime stage installs ${pkg}, which no binary links and deploy/image-packages.txt does not allow (runtime-extra)`);
    }
  }
  for (const pkg of policy['runtime-extra'].keys()) {
    if (!runtime.has(pkg)) errors.push(`packages: ${pkg} is listed as runtime-extra but the runtime stage does not install it`);
  }
  const build = new Set(aptInstalls(instructions, 'build'));
  for (const pkg of bootstrap) {
    if (!build.has(pkg) && !policy['build-skip'].has(pkg)) errors.push(`packages: build stage lacks ${pkg}, which script/bootstrap installs`);
    if (build.has(pkg) && policy['build-skip'].has(pkg)) errors.push(`packages: build stage installs ${pkg}, listed as build-skip`);
  }
  for (const pkg of build) {
    if (!bootstrap.includes(pkg) && !policy['build-extra'].has(pkg)) {
      errors.push(`packages: build stage installs ${pkg}, which script/bootstrap does not (build-extra?)`);
    }
  }
  for (const pkg of policy['build-skip'].keys()) {
    if (!bootstrap.includes(pkg)) errors.push(`packages: ${pkg} is listed as build-skip but script/bootstrap does not install it`);
  }
  return { errors, notes };
}

export function checkStructure(instructions) {
  const errors = [];
  const stages = new Map();
  for (const i of instructions) {
    if (!stages.has(i.stage)) stages.set(i.stage, []);
    stages.get(i.stage).push(i);
  }
  const stageNames = [...stages.keys()];
  for (const name of ['build', 'runtime', ...Object.keys(SERVICE_TARGETS)]) {
    if (!stages.has(name)) errors.push(`structure: no stage named ${name}`);
  }
  for (const { args, line } of instructions.filter((i) => i.instruction === 'FROM')) {
    const image = args.split(/\s+/)[0];
    if (stageNames.includes(image)) continue;
    const tag = image.includes('@') ? 'digest' : (image.split('/').pop().split(':')[1] ?? '');
    if (!tag) errors.push(`structure: line ${line}: FROM ${image} has no tag`);
    if (tag === 'latest') errors.push(`structure: line ${line}: FROM ${image} uses latest`);
  }
  const fromOf = (name) => stages.get(name)?.[0].args.split(/\s+/)[0];
  if (stages.has('build') && !/^debian:bookworm(@|$)/.test(fromOf('build'))) errors.push('structure: the build stage must start FROM debian:bookworm');
  if (stages.has('runtime') && !/^debian:bookworm-slim(@|$)/.test(fromOf('runtime'))) errors.push('structure: the runtime stage must start FROM debian:bookworm-slim');
  // The effective USER / HEALTHCHECK / ENTRYPOINT of a stage, following FROM <stage> chains.
  const effective = (name, instruction) => {
    const own = (stages.get(name) ?? []).filter((i) => i.instruction === instruction).pop();
    if (own) return own.args;
    const parent = fromOf(name);
    return stages.has(parent) && parent !== name ? effective(parent, instruction) : undefined;
  };
  for (const [target, port] of Object.entries(SERVICE_TARGETS)) {
    if (!stages.has(target)) continue;
    const user = effective(target, 'USER');
    if (!user) errors.push(`structure: image ${target} has no USER (runs as root)`);
    else if (/^(root|0)(:|$)/.test(user.trim())) errors.push(`structure: image ${target} runs as USER ${user}`);
    const health = effective(target, 'HEALTHCHECK');
    if (!health) errors.push(`structure: image ${target} has no HEALTHCHECK`);
    else if (!health.includes('casework-health-probe') || !health.includes(`:${port}`)) {
      errors.push(`structure: image ${target}: HEALTHCHECK must run casework-health-probe on port ${port}`);
    }
    const entrypoint = effective(target, 'ENTRYPOINT');
    if (!entrypoint?.includes(`casework-${target}`)) errors.push(`structure: image ${target}: ENTRYPOINT must run casework-${target}`);
    const copies = (stages.get(target) ?? []).filter((i) => i.instruction === 'COPY').map((i) => i.args).join(' ');
    if (!copies.includes(`casework-${target}`)) errors.push(`structure: image ${target} does not copy casework-${target}`);
  }
  const runtimeCopies = (stages.get('runtime') ?? []).filter((i) => i.instruction === 'COPY').map((i) => i.args).join(' ');
  if (!runtimeCopies.includes('casework-health-probe')) errors.push('structure: the runtime stage does not copy casework-health-probe');
  if (stages.has('runtime') && !(stages.get('runtime').some((i) => i.instruction === 'RUN' && /useradd/.test(i.args)))) {
    errors.push('structure: the runtime stage creates no user');
  }
  return errors;
}

function main() {
  const binIndex = process.argv.indexOf('--bin-dir');
  if (binIndex < 0) {
    console.error('usage: check_dockerfile.mjs --bin-dir build/bin');
    process.exit(2);
  }
  for (const tool of ['readelf', 'ldd', 'dpkg']) requireTool(tool, 'needed to derive the runtime packages (binutils, libc-bin, dpkg)');
  const instructions = parseDockerfile(readRepoFile('deploy/Dockerfile'));
  let failures = 0;
  let packages;
  try {
    packages = checkPackages(instructions, readPolicy(readRepoFile('deploy/image-packages.txt')),
      linkedPackages(path.resolve(process.argv[binIndex + 1])), bootstrapPackages(readRepoFile('script/bootstrap')));
  } catch (error) {
    packages = { errors: [error.message], notes: [] };
  }
  for (const note of packages.notes) console.log(`note: ${note}`);
  failures += report('deploy/Dockerfile packages (runtime from the binaries, build from script/bootstrap)', packages.errors);
  failures += report('deploy/Dockerfile structure', checkStructure(instructions));
  process.exit(failures ? 1 : 0);
}

if (fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) main();
