// What V8 compiles and throws away in a process under test, for the in-process diagnostics (api-hooks.mjs and
// queue-hooks.mjs, --v8-log): the process writes V8's log of code events and deoptimisations, and each measured
// round collects the optimised compiles (Maglev, TurboFan) and the deoptimisations that fell in its time. Code the
// module made polymorphic, or kept being re-optimised, would show as more of them per request or job with the hooks
// on than switched off, in the functions concerned; a steady process shows few of either way. The rounds are timed
// on the parent's clock from the process's spawn, and V8's log from the isolate's start, some 20 to 50 ms later:
// nothing for rounds of seconds.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleSections, jsPlace } from './perf-record.mjs';

/** The node arguments (not allowed in NODE_OPTIONS) that make the process write its V8 log to `file` (its folder made). */
export function v8LogArgs(file) {
  mkdirSync(dirname(file), { recursive: true });
  return ['--log-deopt', '--log-code', `--logfile=${file}`, '--no-logfile-per-isolate'];
}

/** An optimised compile's tier by the log's marker of the code (`~` bytecode, `^` Sparkplug: not optimised). */
const TIERS = { '+': 'Maglev compile', '*': 'TurboFan compile' };
const field = (text) => text.replace(/\\x2C/g, ',');

/**
 * The optimised compiles and deoptimisations of a V8 log's text, in order: `at` in seconds since the log began, the
 * kind, and the function as `name path:line:col` (a deoptimisation's by the code it threw away; its position when
 * the log never named that code), with the deoptimisation's reason.
 * @returns {{ at: number, kind: string, fn: string, reason?: string }[]}
 */
export function v8Events(text) {
  const codes = new Map();
  const events = [];
  for (const line of text.split('\n')) {
    const f = line.split(',');
    if (f[0] === 'code-creation' && f[1] === 'JS' && f.length >= 9) {
      const fn = field(f[6]).trimEnd();
      codes.set(f[4], fn);
      const kind = TIERS[f[8][0]];
      if (kind) events.push({ at: Number(f[3]) / 1e6, kind, fn });
    } else if (f[0] === 'code-move' && codes.has(f[1])) {
      codes.set(f[2], codes.get(f[1]));
    } else if (f[0] === 'code-deopt' && f.length >= 9) {
      const at = field(f[7]).replace(/^<|>.*$/g, '');
      events.push({ at: Number(f[1]) / 1e6, kind: 'deoptimisation', fn: codes.get(f[3]) ?? at, reason: field(f.slice(8).join(',')) });
    }
  }
  return events;
}

/**
 * The events of `windows` (each a measured round: its state, start and end in seconds on the log's clock, and its
 * requests or jobs), counted by kind and by function (named as perf-record names them: the module's file, a
 * package, node) for each state; events outside every window (warm-up, the pause between rounds) are left out.
 * `rounds`: each window's events by kind, and whether the switches flipped just before it (its state is not the
 * previous window's): V8 re-optimises what a flip changed, which a process that is never switched does not pay.
 */
export function roundEvents(events, windows, place) {
  const empty = () => ({ kinds: new Map(), functions: new Map() });
  const totals = { on: empty(), off: empty() };
  const count = { on: 0, off: 0 };
  for (const w of windows) count[w.state] += w.count;
  const add = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  const rounds = windows.map((w, i) => ({ state: w.state, count: w.count, afterFlip: i > 0 && windows[i - 1].state !== w.state, kinds: new Map() }));
  for (const e of events) {
    const i = windows.findIndex((x) => e.at >= x.start && e.at < x.end);
    if (i === -1) continue;
    const w = windows[i];
    add(rounds[i].kinds, e.kind);
    add(totals[w.state].kinds, e.kind);
    const { name, where } = place(e.fn);
    add(totals[w.state].functions, `${e.kind}: ${name}${where === 'other' ? '' : ` (${where})`}${e.reason ? `, ${e.reason}` : ''}`);
  }
  return { count, ...totals, rounds };
}

/** Markdown tables of on against off, per 1,000 `unit`s: by kind, then the `top` functions by events in either state. */
export function v8LogTables({ count, on, off, rounds }, unit, top = 12) {
  const per = (n, units) => (units ? (n * 1000) / units : 0);
  const table = (title, key, list) =>
    `| ${title} | per 1,000 ${unit}s, on | switched off |\n|---|---:|---:|\n` +
    list.map((k) => `| ${k} | ${per(on[key].get(k) ?? 0, count.on).toFixed(2)} | ${per(off[key].get(k) ?? 0, count.off).toFixed(2)} |`).join('\n');
  const keys = (key) => [...new Set([...on[key].keys(), ...off[key].keys()])];
  const total = (k) => (on.functions.get(k) ?? 0) + (off.functions.get(k) ?? 0);
  const kinds = ['Maglev compile', 'TurboFan compile', 'deoptimisation'];
  const compiles = (state, afterFlip) => {
    const some = rounds.filter((r) => r.state === state && r.afterFlip === afterFlip);
    const n = some.reduce((sum, r) => sum + (r.kinds.get('Maglev compile') ?? 0) + (r.kinds.get('TurboFan compile') ?? 0), 0);
    return per(n, some.reduce((sum, r) => sum + r.count, 0)).toFixed(2);
  };
  return [
    table('V8 event', 'kinds', kinds),
    `| optimised compiles (Maglev and TurboFan) in rounds | per 1,000 ${unit}s, on | switched off |\n|---|---:|---:|\n` +
      `| right after the switches flipped | ${compiles('on', true)} | ${compiles('off', true)} |\n` +
      `| after a round in the same state | ${compiles('on', false)} | ${compiles('off', false)} |`,
    table(`function (the ${top} with the most events, on and off together)`, 'functions', keys('functions').sort((a, b) => total(b) - total(a)).slice(0, top)),
  ].join('\n\n');
}

/** A function as perf-record names it; an anonymous one with its file's name and place, to tell them apart. */
export function placeOf(fn, sectionOf, bundle) {
  const place = jsPlace(`JS:${fn}`, sectionOf, bundle);
  if (!place.name.endsWith('(anonymous)')) return place;
  return { ...place, name: `${place.name} ${fn.trim().replace(/^.*\//, '')}` };
}

/**
 * The logged rounds of one process (started with `v8LogArgs(file)` at `spawnedAt`, the parent's performance.now()):
 * `mark(state, measure, countOf)` times each measured round; `read()`, once the process has exited (V8 writes its
 * log as it goes, and the last of it at exit), reads the log and removes it.
 */
export class LoggedRounds {
  windows = [];
  /** @type {ReturnType<typeof roundEvents> | undefined} */
  summary = undefined;

  constructor(file, bundle, spawnedAt) {
    this.file = file;
    this.bundle = bundle;
    this.spawnedAt = spawnedAt;
  }

  /** @template T @param {'on' | 'off'} state @param {() => Promise<T> | T} measure @param {(result: T) => number} countOf */
  async mark(state, measure, countOf) {
    const start = (performance.now() - this.spawnedAt) / 1e3;
    const result = await measure();
    this.windows.push({ state, start, end: (performance.now() - this.spawnedAt) / 1e3, count: countOf(result) });
    return result;
  }

  read() {
    if (!existsSync(this.file)) throw new Error(`no V8 log at ${this.file}: the process was not started with v8LogArgs(), or ended before writing it`);
    const sectionOf = bundleSections(this.bundle);
    this.summary = roundEvents(v8Events(readFileSync(this.file, 'utf8')), this.windows, (fn) => placeOf(fn, sectionOf, this.bundle));
    rmSync(this.file, { force: true });
    return this;
  }

  tables(unit) {
    return this.summary ? v8LogTables(this.summary, unit) : '';
  }

  json() {
    const s = this.summary;
    const rounds = s?.rounds.map((r) => ({ ...r, kinds: Object.fromEntries(r.kinds) }));
    return s && { count: s.count, rounds, on: { kinds: Object.fromEntries(s.on.kinds), functions: Object.fromEntries(s.on.functions) }, off: { kinds: Object.fromEntries(s.off.kinds), functions: Object.fromEntries(s.off.functions) } };
  }
}
