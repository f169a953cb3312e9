#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package, so the costly parts of a
// request stand out. Usage: node tools/bench/profile-summary.mjs <file.cpuprofile> [top=25] [--under=TEXT]
// --under=TEXT also charges every sample to the innermost frame whose source holds TEXT (e.g. --under=libs/observability/):
// the time spent in a part of the code and everything it called, which self time scatters over Node's internals. A
// frame's source is its script's URL, or, in an esbuild bundle (the bench app), the `// path` section it lies in.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const under = args.find((a) => a.startsWith('--under='))?.slice('--under='.length);
const [file, topArg] = args.filter((a) => !a.startsWith('--'));
if (!file || under === '') {
  console.error('usage: node tools/bench/profile-summary.mjs <file.cpuprofile> [top] [--under=TEXT]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function packageOf(url) {
  if (!url) return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node core';
  return url.includes('/dist/') ? 'app bundle' : url;
}
const byFunction = new Map();
const byPackage = new Map();
for (const [id, us] of self) {
  const { callFrame } = byId.get(id);
  const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const pkg = packageOf(callFrame.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
  }
};
print('self time by package', byPackage);
print('self time by function', byFunction);

/** The bundle sections of a script (esbuild starts each with a `// path/of/module.js` line), by first line. */
const sectionsByUrl = new Map();
function sourceOf({ url, lineNumber }) {
  if (!url.startsWith('file://')) return url;
  let sections = sectionsByUrl.get(url);
  if (sections === undefined) {
    sections = [];
    try {
      readFileSync(fileURLToPath(url), 'utf8').split('\n').forEach((line, i) => {
        const m = /^\/\/ (\S+\.[cm]?[jt]sx?)$/.exec(line);
        if (m) sections.push([i, m[1]]);
      });
    } catch {
      // the script is gone: its URL is all there is
    }
    sectionsByUrl.set(url, sections);
  }
  let found = url;
  for (const [first, path] of sections) if (first <= lineNumber) found = path;
  return found;
}

if (under !== undefined) {
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const nameOf = ({ callFrame }) => `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1}`;
  const inclusive = new Map();
  for (const [id, us] of self) {
    let node = id;
    while (node !== undefined && !sourceOf(byId.get(node).callFrame).includes(under)) node = parent.get(node);
    const name = node === undefined ? `(not under ${under})` : `${nameOf(byId.get(node))} (${sourceOf(byId.get(node).callFrame).split('/').slice(-2).join('/')})`;
    inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
  print(`time under the innermost frame of ${under} (with all it called)`, inclusive);
}
