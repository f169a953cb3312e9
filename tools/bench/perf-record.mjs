// Where a process's CPU goes, by Linux perf's samples, for the in-process diagnostics (api-hooks.mjs and
// queue-hooks.mjs, --perf-record): each round's samples are read three ways, by the kind of code the sample was taken
// in (the module's JS, other JS, V8 builtins, V8's runtime, GC, the kernel, other threads...), by the innermost JS
// function on its stack (a builtin or native leaf counts for the JS function that called it) and by the innermost
// frame itself. Differences between the hooks switched on and off then point at the kind of work the module adds,
// not only at its own functions. Caveats (docs/performance-log.md, "Ninth look"): JIT frames are as good as V8's perf
// map (inlined functions count for their caller; an address V8 reused is named by the code made there last, see
// jitSymbols), and one function's figure moves by 1 to 2 µs between processes as V8 inlines differently.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** What the measured node process needs for perf to name its JS functions (V8 writes /tmp/perf-<pid>.map). */
export const PERF_NODE_OPTIONS = '--perf-basic-prof-only-functions';
const FREQUENCY = 2999;

/**
 * The sections of an esbuild bundle (`// path/of/file.js` lines): a function from a line number to the file it
 * came from, or undefined before the first section.
 */
export function bundleSections(bundlePath) {
  return sectionsOf(readFileSync(bundlePath, 'utf8'));
}

/** `bundleSections` of a bundle's text. */
export function sectionsOf(text) {
  const starts = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(line);
    if (m) starts.push([i + 1, m[1]]);
  });
  return (line) => {
    let found;
    for (const [start, file] of starts) {
      if (start > line) break;
      found = file;
    }
    return found;
  };
}

/** Starts `perf record` on every thread of `pid` into `file`; `stop()` ends it once it has written the file. */
export async function startPerfRecord(pid, file) {
  mkdirSync(dirname(file), { recursive: true });
  const perf = spawn('perf', ['record', '-F', String(FREQUENCY), '-g', '-p', String(pid), '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  /** @type {{ error?: Error }} */
  const spawned = {};
  perf.stderr.on('data', (d) => (stderr += d));
  // No perf on the PATH: an 'error' event, not an exit.
  perf.on('error', (error) => (spawned.error = error));
  const ended = new Promise((resolve) => perf.on('close', (code, signal) => resolve({ code, signal })));
  // perf attaches to the threads after it starts; a round begun sooner would lose its first samples.
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (spawned.error || perf.exitCode !== null) throw new Error(`perf record could not start (Linux perf, run as root): ${spawned.error?.message ?? stderr}`);
  return {
    async stop() {
      perf.kill('SIGINT');
      const { code } = await ended;
      if (code !== 0 && code !== null) throw new Error(`perf record failed (${code}): ${stderr}`);
    },
  };
}

const GC = /Heap::|Scavenge|MarkCompact|MinorMS|MarkingVisitor|Sweeper|ConcurrentMarking|GCTracer|Evacuat|IncrementalMarking|PagedSpace|NewSpace|LargeObjectSpace/;

/** The kind of code a frame is in: the module's JS (by its file), other JS, or a kind of native code. */
function frameKind(sym, dso, sectionOf, bundle) {
  if (dso === '[kernel.kallsyms]') return 'kernel';
  if (sym.startsWith('JS:')) return `JS ${jsPlace(sym, sectionOf, bundle).where}`;
  if (dso.startsWith('/tmp/perf-')) return sym.startsWith('RegExp:') ? 'regular expressions' : 'V8 builtins';
  if (sym.startsWith('Builtins_')) return 'V8 builtins';
  if (GC.test(sym)) return 'GC';
  if (/Runtime_|Builtin_/.test(sym)) return 'V8 runtime';
  return dso.includes('libc.so') ? 'libc' : 'other native (node, V8, libuv)';
}

/** `JS:*name /path/file.js:line:col` → the function's name and where it lives: the module, the app, a package, node. */
export function jsPlace(sym, sectionOf, bundle) {
  const m = /^JS:[*~^+]?'?(\S*) (?:file:\/\/)?(.*?):(\d+):\d+$/.exec(sym);
  if (!m) return { name: sym.slice(3), where: 'other' };
  const [, name, path, line] = m;
  if (path === bundle) {
    const section = sectionOf(Number(line)) ?? 'bundle';
    const module = /libs\/observability\/(?:esm\/)?(?:src\/)?lib\/(.*)\.[jt]s$/.exec(section);
    return module ? { name: `${module[1]}: ${name || '(anonymous)'}`, where: 'module' } : { name: `${section}: ${name || '(anonymous)'}`, where: 'app' };
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (pkg) return { name: `${pkg[1]}: ${name || '(anonymous)'}`, where: `package ${pkg[1]}` };
  return { name: `${path.replace(/^.*\//, '')}: ${name || '(anonymous)'}`, where: path.startsWith('node:') ? 'node' : 'other' };
}

/**
 * The samples of `file` (recorded from `pid`, whose bundle is `bundle`), in CPU nanoseconds (see `breakdownOf`);
 * the file is removed once read.
 */
export async function perfBreakdown(file, pid, bundle) {
  const text = await new Promise((resolve, reject) =>
    execFile('perf', ['script', '-i', file, '-F', 'comm,tid,period,ip,sym,dso'], { maxBuffer: 1 << 30 }, (error, out, err) =>
      error ? reject(new Error(`perf script failed: ${err || error.message}`)) : resolve(out),
    ),
  );
  rmSync(file, { force: true });
  return breakdownOf(text, pid, bundle, bundleSections(bundle), jitSymbols(readMap(`/tmp/perf-${pid}.map`)));
}

const readMap = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/**
 * V8's perf map (`address size name` lines, in the order code was made) as a lookup from an address to the code
 * there last: V8 reuses the memory of code it threw away, and perf names an address by its first entry, so a hot
 * loop compiled late can be charged to a function compiled at start-up. Samples taken before the later code was made
 * would be named wrongly the other way; the measured rounds come after the warm-up.
 */
export function jitSymbols(mapText) {
  // From the latest entry back: an entry overlapping one kept already is older code at a reused address.
  const kept = []; // [start, end, name], sorted by start, not overlapping
  const at = (address) => {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid][0] <= address) lo = mid + 1;
      else hi = mid;
    }
    return lo; // the first kept entry starting after `address`
  };
  for (const line of mapText.split('\n').reverse()) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1], 16);
    const end = start + parseInt(m[2], 16);
    const i = at(start);
    if ((i > 0 && kept[i - 1][1] > start) || (i < kept.length && kept[i][0] < end)) continue;
    kept.splice(i, 0, [start, end, m[3]]);
  }
  return (address) => {
    const entry = kept[at(address) - 1];
    return entry && address < entry[1] ? entry[2] : undefined;
  };
}

/**
 * `perf script -F comm,tid,period,ip,sym,dso` output, in CPU nanoseconds (the samples' periods): by kind of code
 * (the main thread's innermost frame; each other thread by its name), by the main thread's innermost JS function
 * (a native or builtin leaf counts for the JS that called it) and by innermost frame. `jit`: see jitSymbols.
 * @param {(address: number) => string | undefined} [jit]
 */
export function breakdownOf(text, pid, bundle, sectionOf, jit = () => undefined) {
  const kinds = new Map();
  const functions = new Map();
  const leaves = new Map();
  const add = (map, key, ns) => map.set(key, (map.get(key) ?? 0) + ns);
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim());
    if (lines.length === 0) continue;
    const head = /^\s*(.*?)\s+(\d+)\s+(\d+)\s*$/.exec(lines[0]);
    if (!head) continue;
    const [comm, tid, period] = [head[1], Number(head[2]), Number(head[3])];
    if (tid !== pid) {
      add(kinds, `thread ${comm}`, period);
      continue;
    }
    // [, symbol, dso]; a JIT frame named by the code last at its address (`jit`, see jitSymbols) where known.
    const frames = lines
      .slice(1)
      .map((l) => /^\s*([0-9a-f]+) (.*) \((.*)\)$/.exec(l))
      .filter(Boolean)
      .map(([, ip, sym, dso]) => [undefined, (dso.startsWith('/tmp/perf-') && jit(parseInt(ip, 16))) || sym, dso]);
    if (frames.length === 0) {
      add(kinds, 'no stack', period);
      continue;
    }
    const [, leaf, dso] = frames[0];
    add(kinds, frameKind(leaf, dso, sectionOf, bundle), period);
    add(leaves, leaf.startsWith('JS:') ? jsPlace(leaf, sectionOf, bundle).name : leaf, period);
    const js = frames.find(([, sym]) => sym.startsWith('JS:'));
    add(functions, js ? jsPlace(js[1], sectionOf, bundle).name : '(no JS frame)', period);
  }
  return { kinds, functions, leaves };
}

/** Adds a breakdown into a running total. */
function addBreakdown(total, part) {
  for (const key of ['kinds', 'functions', 'leaves']) for (const [k, ns] of part[key]) total[key].set(k, (total[key].get(k) ?? 0) + ns);
  return total;
}

export const emptyBreakdown = () => ({ kinds: new Map(), functions: new Map(), leaves: new Map() });

/**
 * The recorded rounds of one process, switched on and off: each `record(state, measure, countOf)` records `measure()`
 * with perf and adds its samples and its units (requests, jobs: `countOf(result)`) to the state's totals.
 */
export class RecordedRounds {
  on = emptyBreakdown();
  off = emptyBreakdown();
  count = { on: 0, off: 0 };

  constructor(pid, bundle, file) {
    this.pid = pid;
    this.bundle = bundle;
    this.file = file;
  }

  /** @template T @param {'on' | 'off'} state @param {() => Promise<T> | T} measure @param {(result: T) => number} countOf */
  async record(state, measure, countOf) {
    const recording = await startPerfRecord(this.pid, this.file);
    const result = await measure();
    await recording.stop();
    addBreakdown(this[state], await perfBreakdown(this.file, this.pid, this.bundle));
    this.count[state] += countOf(result);
    return result;
  }

  /** The tables, in µs per `unit`. */
  tables(unit) {
    return breakdownTables(this.on, this.off, this.count, unit);
  }

  json() {
    return breakdownJson(this.on, this.off, this.count);
  }
}

/** Markdown tables of on against off, in µs per `unit` (on and off are totals over `count.on` and `count.off` units). */
export function breakdownTables(on, off, count, unit, top = 15) {
  const per = (ns, n) => ns / 1e3 / n;
  const rows = (key) =>
    [...new Set([...on[key].keys(), ...off[key].keys()])]
      .map((k) => ({ k, on: per(on[key].get(k) ?? 0, count.on), off: per(off[key].get(k) ?? 0, count.off) }))
      .map((r) => ({ ...r, added: r.on - r.off }));
  const table = (title, list) =>
    `| ${title} | µs/${unit}, on | switched off | added |\n|---|---:|---:|---:|\n` +
    list.map((r) => `| ${r.k} | ${r.on.toFixed(2)} | ${r.off.toFixed(2)} | ${r.added >= 0 ? '+' : ''}${r.added.toFixed(2)} |`).join('\n');
  const kinds = rows('kinds').sort((a, b) => b.added - a.added);
  const total = kinds.reduce((s, r) => ({ ...s, on: s.on + r.on, off: s.off + r.off, added: s.added + r.added }), { k: 'all samples', on: 0, off: 0, added: 0 });
  const largest = (key) => rows(key).sort((a, b) => Math.abs(b.added) - Math.abs(a.added)).slice(0, top);
  return [
    table('kind of code (innermost frame)', [...kinds, total]),
    table(`innermost JS function (the ${top} largest differences)`, largest('functions')),
    table(`innermost frame (the ${top} largest differences)`, largest('leaves')),
  ].join('\n\n');
}

/** The same as JSON: µs per unit by kind, function and frame, on and off. */
export function breakdownJson(on, off, count) {
  const per = (b, n) => Object.fromEntries(['kinds', 'functions', 'leaves'].map((key) => [key, Object.fromEntries([...b[key]].map(([k, ns]) => [k, ns / 1e3 / n]))]));
  return { count, on: per(on, count.on), off: per(off, count.off) };
}
