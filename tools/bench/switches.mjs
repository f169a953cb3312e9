// The in-process diagnostics' way of switching the module's hooks (api-hooks.mjs, queue-hooks.mjs): a copy of a
// built app bundle with a check in front of each hook, flipped by SIGUSR1. Each check tests one part's name; the
// process's parts come from HOOKS_PARTS. The texts are matched exactly once, so a change in the library that moves
// a hook stops the script instead of measuring nothing.
import { readFileSync, writeFileSync } from 'node:fs';

/** Flips `globalThis.__hooksOff` between nothing and the process's parts (HOOKS_PARTS) on each SIGUSR1. */
export const FLIP_ON_SIGNAL = `process.on('SIGUSR1', () => { globalThis.__hooksOff = globalThis.__hooksOff ? undefined : Object.fromEntries((process.env.HOOKS_PARTS ?? '').split(',').map((p) => [p, true])); });\n`;

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
 * The calibration's prelude: `__spinMicros` (`micros` while the process's parts include `spin`, else 0) and `__spin()`,
 * which spends that many µs of the process's CPU. CPU, not wall time: a process the machine preempts mid-spin still
 * spends the whole known cost, which is what the measurement must find. The process's (`process.cpuUsage`), not the
 * thread's: Linux counts a running thread's own CPU in scheduler ticks (4 ms steps here), the process's exactly.
 */
export const spinPrelude = (micros) => `const __spinMicros = (process.env.HOOKS_PARTS ?? '').split(',').includes('spin') ? ${micros} : 0;
const __cpu = () => { const t = process.cpuUsage(); return t.user + t.system; };
function __spin() { const end = __cpu() + __spinMicros; while (__cpu() < end); }\n`;

/**
 * The hooks the api's and the worker's bundles share (the library's database code): the query comments (`sql`) and
 * the TypeORM subscriber's histogram (`sub`).
 */
export const DATABASE_SWITCHES = [
  ['sql', 'const enabled = settings2 ? settings2.enabled : standalone;', `const enabled = !${off('sql')} && (settings2 ? settings2.enabled : standalone);`],
  ['sub', 'afterQuery(event) {', `afterQuery(event) {\nif (${off('sub')}) return;`],
];
