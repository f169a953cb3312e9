// Reading valgrind's callgrind output (api-, http- and queue-instructions.mjs): the totals of a dump and each
// function's own cost, from the file format callgrind writes (valgrind.org/docs/manual/cl-format.html), without
// callgrind_annotate.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One dump file's `events` (their names, e.g. Ir, D1mr), `totals` (one number per event) and `self`: per function,
 * the events counted in its own code (a cost line right after `calls=` is the call's inclusive cost, not counted).
 */
export function parseCallgrind(text) {
  let events = [];
  let positions = 1;
  let totals;
  let fn = '(none)';
  let afterCalls = false;
  const names = new Map();
  const self = new Map();
  // `(id) name` defines a compressed name, `(id)` uses it; an uncompressed name stands as it is.
  const nameOf = (spec) => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec.trim());
    if (!m) return spec.trim();
    if (m[2] !== undefined) names.set(m[1], m[2]);
    return names.get(m[1]) ?? `(${m[1]})`;
  };
  const counts = (fields) => events.map((_, i) => Number(fields[i] ?? 0));
  for (const line of text.split('\n')) {
    if (line.startsWith('events:')) events = line.slice(7).trim().split(/\s+/);
    else if (line.startsWith('positions:')) positions = line.slice(10).trim().split(/\s+/).length;
    else if (line.startsWith('totals:')) totals = counts(line.slice(7).trim().split(/\s+/));
    else if (line.startsWith('fn=')) fn = nameOf(line.slice(3));
    else if (line.startsWith('cfn=')) nameOf(line.slice(4));
    else if (line.startsWith('calls=')) afterCalls = true;
    else if (/^[+\-*\d]/.test(line)) {
      if (afterCalls) {
        afterCalls = false;
        continue;
      }
      const cost = counts(line.trim().split(/\s+/).slice(positions));
      const sum = self.get(fn);
      if (sum) for (let i = 0; i < cost.length; i++) sum[i] += cost[i];
      else self.set(fn, cost);
    }
  }
  if (!totals) throw new Error('not a callgrind dump: no totals line');
  return { events, totals, self };
}

/**
 * `name` with an address of compiled JavaScript (callgrind's name for code without a symbol, `'2` for a recursive
 * call) named by `symbolOf` (perf-record.mjs's jitSymbols over V8's perf map), or as it is.
 */
export function namedByMap(name, symbolOf) {
  const m = /^0x([0-9a-f]+)('\d+)?$/i.exec(name);
  return (m && symbolOf(parseInt(m[1], 16))) ?? name;
}

/** The kind of code a function of the node binary is, by its name: what the per-kind table sums. */
export function kindOf(name) {
  // Compiled JavaScript: an address (callgrind's name for code without a symbol, `'2` for a recursive call), or the
  // name V8's perf map gives it (`JS:*name file:line:column`).
  if (/^0x[0-9a-f]+('\d+)?$/i.test(name) || name.startsWith('JS:')) return 'JavaScript (compiled)';
  if (name.startsWith('Builtins_')) return "V8's builtins";
  if (/v8::internal::(compiler|maglev|turboshaft)::|OptimizedCompilationJob|Compiler::/.test(name)) return "V8's compilers";
  if (/v8::internal::\S*(Scaveng|MarkCompact|Marking|Sweeper|Heap::|GCTracer|Evacuat|MemoryAllocator|MinorMS)|heap::base::/.test(name)) return 'garbage collection';
  // C++ names may start with their return type (`bool v8::internal::…`).
  if (/(^|[\s*&])v8::|Runtime_/.test(name)) return "V8's runtime";
  if (/(^|[\s*&])(node|simdutf|ada)::|^uv_|^llhttp/.test(name)) return "Node's native code";
  return 'other native code (libc, OpenSSL, ...)';
}

/** Counts by function (`name` -> count) with compiled JavaScript named by `symbolOf` (namedByMap); counts that land on one name add up. */
export function renamedByMap(counts, symbolOf) {
  const renamed = {};
  for (const [name, count] of Object.entries(counts)) {
    const named = namedByMap(name, symbolOf);
    renamed[named] = (renamed[named] ?? 0) + count;
  }
  return renamed;
}

/**
 * A reader of the dumps callgrind writes into `dir` (`<file>.<dump>-<thread>`, with --separate-threads=yes): each
 * call parses the ones it has not read before, each with its thread (1: the main thread).
 */
export function dumpReader(dir) {
  const seen = new Set();
  return () => {
    const files = readdirSync(dir).filter((f) => /\.\d+-\d+$/.test(f) && !seen.has(f));
    for (const f of files) seen.add(f);
    return files.map((f) => ({ thread: Number(f.split('-').pop()), ...parseCallgrind(readFileSync(join(dir, f), 'utf8')) }));
  };
}

/**
 * Per unit (request, job), `on` less `off`: `field` (a name-to-count map of each window) summed by `key(name)`, each
 * side the mean of its windows; largest differences first, each with its `on` figure.
 */
export function addedBy(on, off, key, field = 'functions') {
  const sums = (windows) => {
    const sum = {};
    for (const w of windows) for (const [name, count] of Object.entries(w[field])) sum[key(name)] = (sum[key(name)] ?? 0) + count / windows.length;
    return sum;
  };
  const a = sums(on);
  const b = sums(off);
  return Object.keys({ ...a, ...b })
    .map((name) => ({ name, on: a[name] ?? 0, added: (a[name] ?? 0) - (b[name] ?? 0) }))
    .sort((x, y) => Math.abs(y.added) - Math.abs(x.added));
}
