// Garbage collection per request in each process under test, for comparisons across processes: how far apart two
// processes of one build sit has come down to their collectors (docs/performance-log.md, "Twelfth look").
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './runner.mjs';

/**
 * Makes every Node process started from here on load gc-probe.cjs, which writes its counts under a new folder
 * (`dir`), until `disable()`. Call it before the processes under test start: NODE_OPTIONS is read at a start.
 */
export function enableGcProbe() {
  const dir = join(root, 'tmp', 'bench', `gc-probe-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env.GC_PROBE_DIR = dir;
  const before = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = [before, `--require=${join(root, 'tools/bench/gc-probe.cjs')}`].filter(Boolean).join(' ');
  return {
    dir,
    /** Processes started after this run without the probe (those started before keep it). */
    disable() {
      if (before === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = before;
      delete process.env.GC_PROBE_DIR;
    },
    /** The counts' folder, once its processes have stopped. */
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The pauses of process `pid` per request between `from` and `to` (Date.now() times), from the probe's samples
 * nearest inside them: µs of minor and of major collection per request, scavenges per 1,000 requests, and the young
 * generation's size at the end and at its smallest in between (MB: V8 shrinks an idle process's, runner.mjs), and
 * whether V8's memory reducer ran in it.
 */
export function gcPerRequest(dir, pid, from, to) {
  const file = join(dir, `${pid}.jsonl`);
  if (!existsSync(file)) throw new Error(`the GC probe wrote nothing for process ${pid} (${file}): was it started with gc-probe.cjs?`);
  const samples = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const first = samples.find((s) => s.at >= from);
  const last = samples.findLast((s) => s.at <= to);
  if (!first || !last || last.requests <= first.requests) throw new Error(`the GC probe of process ${pid} has no requests between the times given`);
  const requests = last.requests - first.requests;
  return {
    requests,
    minorMicros: ((last.minorMs - first.minorMs) * 1e3) / requests,
    majorMicros: ((last.majorMs - first.majorMs) * 1e3) / requests,
    scavengesPer1000: ((last.minor - first.minor) * 1e3) / requests,
    youngMB: last.youngKB === undefined ? undefined : last.youngKB / 1024,
    youngMinMB: last.youngKB === undefined ? undefined : Math.min(...samples.filter((s) => s.at >= first.at && s.at <= last.at).map((s) => s.youngKB)) / 1024,
    memoryReducer: last.reducer,
  };
}
