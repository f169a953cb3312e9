// The in-process diagnostics' way of switching the module's hooks (api-hooks.mjs, queue-hooks.mjs): a copy of a
// built app bundle with a check in front of each hook, flipped by SIGUSR1. Each check tests one part's name; the
// process's parts come from HOOKS_PARTS. The texts are matched exactly once, so a change in the library that moves
// a hook stops the script instead of measuring nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './runner.mjs';

/**
 * Flips `globalThis.__hooksOff` between nothing and the process's parts on each SIGUSR1: HOOKS_PARTS, or what the file
 * HOOKS_PARTS_FILE holds when the flip reads it (queue-instructions.mjs: one warmed-up process, several parts in turn).
 */
export const FLIP_ON_SIGNAL = `process.on('SIGUSR1', () => {
  const parts = process.env.HOOKS_PARTS_FILE ? process.getBuiltinModule('node:fs').readFileSync(process.env.HOOKS_PARTS_FILE, 'utf8') : (process.env.HOOKS_PARTS ?? '');
  globalThis.__hooksOff = globalThis.__hooksOff ? undefined : Object.fromEntries(parts.trim().split(',').map((p) => [p, true]));
});\n`;

/** Flips the switches of a running `server` (startServer's; SIGUSR1), and gives the signal `waitMs` to arrive. */
export async function flipSwitches(server, waitMs = 300) {
  server.child.kill('SIGUSR1');
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}

/**
 * Writes `to`: `prelude`, the flip and `from` with each `[part, text, switched]` applied. Each text must occur exactly
 * once in the bundle (after the switches before it); anything else throws, naming the part.
 */
export function writeSwitchable(from, to, switches, prelude = '') {
  let bundle = readFileSync(from, 'utf8');
  for (const [part, text, switched] of switches) {
    const count = bundle.split(text).length - 1;
    if (count !== 1) throw new Error(`the ${part} switch's text occurs ${count} times in ${from}, not once: ${text}`);
    bundle = bundle.replace(text, switched);
  }
  writeFileSync(to, prelude + FLIP_ON_SIGNAL + bundle);
}

/** The check a switch puts in front of a hook: true while `part` is switched off. */
export const off = (part) => `globalThis.__hooksOff?.${part}`;

/**
 * The calibration's prelude: `__spinTurns` and `__spin()`, a fixed amount of work while the process's parts include
 * `spin` (else none): a loop of small-integer arithmetic, as many turns as ran in `micros` µs at start (the fastest of
 * 20 runs of a million turns: a preempted run is only slower), or `SPIN_TURNS` turns when the environment gives them
 * (api-instructions.mjs: under valgrind a time means nothing). Work, not a clock: a loop until `micros` of wall time
 * spends less CPU when the machine preempts the process; the process's CPU clock counts the other threads too, and
 * the thread's moves in 4 ms ticks here.
 */
export const spinPrelude = (micros) => `const __spinOn = (process.env.HOOKS_PARTS ?? '').split(',').includes('spin');
let __spinState = 1;
function __spinLoop(turns) { let x = __spinState; for (let i = 0; i < turns; i++) x = (x * 75 + 74) & 0xffff; __spinState = x; }
function __spinCalibrated(micros) {
  let fastest = Infinity;
  for (let run = 0; run < 20; run++) { const start = performance.now(); __spinLoop(1e6); fastest = Math.min(fastest, performance.now() - start); }
  return Math.round((1e6 / (fastest * 1000)) * micros);
}
const __spinTurns = !__spinOn ? 0 : Number(process.env.SPIN_TURNS) > 0 ? Number(process.env.SPIN_TURNS) : ${micros} > 0 ? __spinCalibrated(${micros}) : 0;
function __spin() { __spinLoop(__spinTurns); }\n`;

/**
 * An api bundle's prelude: `__spin()` (spinPrelude) at the start of every request its HTTP servers get; with
 * `switched`, only while the spin part is not switched off (api-hooks.mjs), else always (the bench's known work).
 */
export const requestSpinPrelude = (micros, switched) => `import __http from 'node:http';
${spinPrelude(micros)}if (__spinTurns > 0) {
  const emit = __http.Server.prototype.emit;
  __http.Server.prototype.emit = function (event, ...rest) {
    if (event === 'request'${switched ? ` && !${off('spin')}` : ''}) __spin();
    return emit.call(this, event, ...rest);
  };
}\n`;

/**
 * The hooks the api's and the worker's bundles share (the library's database code): the query comments (`sql`) and
 * the TypeORM subscriber's histogram (`sub`).
 */
export const DATABASE_SWITCHES = [
  ['sql', 'const enabled = settings2 ? settings2.enabled : standalone;', `const enabled = !${off('sql')} && (settings2 ? settings2.enabled : standalone);`],
  ['sub', 'afterQuery(event) {', `afterQuery(event) {\nif (${off('sub')}) return;`],
];

/** The parts of the api's per-request work each switch names (api-hooks.mjs, api-instructions.mjs). */
export const API_PARTS = ['http', 'ctx', 'metrics', 'line', 'sql', 'sub'];

/** The api's per-request hooks (api-hooks.mjs, api-instructions.mjs): [part, text in the bundle, text with the switch]. */
const API_SWITCHES = [
  ['http', 'server.prependListener("request", (req, res) => {', `server.prependListener("request", (req, res) => {\nif (${off('http')}) return;`],
  ['http', 'if (requestRecord(req)) return handle.call(this, req, res, callback);', `if (${off('http')} || requestRecord(req)) return handle.call(this, req, res, callback);`],
  ['ctx', 'this.cls.enterWith(this.storeFor(opened));', `if (!${off('ctx')}) this.cls.enterWith(this.storeFor(opened));`],
  ['metrics', 'if (this.metrics) this.metrics.started();', `if (this.metrics && !${off('metrics')}) this.metrics.started();`],
  ['metrics', 'if (metrics) metrics.finished(', `if (metrics && !${off('metrics')}) metrics.finished(`],
  ['line', 'const logger = this.accessLogger;', `const logger = ${off('line')} ? undefined : this.accessLogger;`],
  ['defer', 'if (stream instanceof StdoutDestination) stream.writeLater(', `if (!${off('defer')} && stream instanceof StdoutDestination) stream.writeLater(`],
  ...DATABASE_SWITCHES,
];

/**
 * Writes dist/apps/api/`name`: the built api (or the bundle `from`, another build's main.js) with a switch at each
 * per-request hook and, in a process whose parts include `spin`, the calibration's fixed work at the start of every
 * request (`SPIN_MICROS` or `SPIN_TURNS` from its environment). Returns its path.
 */
export function writeApiSwitchable(name, from = join(root, 'dist/apps/api/main.js')) {
  const entry = join(root, 'dist/apps/api', name);
  writeSwitchable(from, entry, API_SWITCHES, requestSpinPrelude('Number(process.env.SPIN_MICROS)', true));
  return entry;
}

/** The parts of the worker's per-job work each switch names (queue-hooks.mjs, queue-instructions.mjs). */
export const QUEUE_PARTS = ['ctx', 'events', 'sub', 'sql'];

/** The `fixed` part's comment: one text of the length of the module's own. */
const FIXED_COMMENT = "/*application='worker',job='repository-sync:sync',request_id='d8a4c3f0-1b2e-4c5d-9e8f-0a1b2c3d4e5f'*/";

const RUN_BULL = 'return instrumentation.propagation.run(queue, args[0], () => handler.apply(this, args));';
const RUN_BULLMQ = 'return active2.propagation.run(this, job, () => originals.callProcessJob.call(this, job, token, signal));';
const COMPLETED = 'completed(queue, job, attempt) {';
const JOB_LINE = 'if (!writeJobLine(this.logger, line))';
const COMMENT = 'config = commentQuery(config, currentComment(options, settings2), options.prepend ?? settings2?.prepend ?? false);';
/** The worker's per-job hooks (queue-hooks.mjs, queue-instructions.mjs): [part, text in the bundle, text with the switch]. */
const WORKER_SWITCHES = [
  ['ctx', RUN_BULL, `if (${off('ctx')}) return handler.apply(this, args);\n${RUN_BULL}`],
  ['ctx', RUN_BULLMQ, `if (${off('ctx')}) return originals.callProcessJob.call(this, job, token, signal);\n${RUN_BULLMQ}`],
  ['events', COMPLETED, `${COMPLETED}\nif (${off('events')}) return;`],
  ['spin', COMPLETED, `${COMPLETED}\nif (__spinTurns > 0 && !${off('spin')}) __spin();`],
  ['line', JOB_LINE, `if (!${off('line')} && ${JOB_LINE.slice(4)}`],
  ...DATABASE_SWITCHES,
  ['timer', 'setImmediate(this.flushLater);', `if (${off('timer')}) setTimeout(this.flushLater, 10).unref(); else setImmediate(this.flushLater);`],
  ['fixed', COMMENT, COMMENT.replace('currentComment(options, settings2)', `(${off('fixed')} ? ${JSON.stringify(FIXED_COMMENT)} : currentComment(options, settings2))`)],
];

/**
 * Writes dist/apps/worker/`name`: the built worker with a switch at each per-job hook and, in a process whose parts
 * include `spin`, `spinMicros` µs (or `SPIN_TURNS` turns) of fixed work per completed job. Returns its path.
 */
export function writeWorkerSwitchable(name, spinMicros) {
  const entry = join(root, 'dist/apps/worker', name);
  writeSwitchable(join(root, 'dist/apps/worker/main.js'), entry, WORKER_SWITCHES, spinPrelude(spinMicros));
  return entry;
}
