// What the in-process diagnostics (api-hooks.mjs, queue-hooks.mjs) record of each measured round of one process, as
// asked on their command line: perf's samples (--perf-record, perf-record.mjs) and V8's log (--v8-log, v8-log.mjs).
// One object per process under test: what to start it with, each round recorded, then the tables and the JSON.
import { join } from 'node:path';
import { PERF_NODE_OPTIONS, RecordedRounds } from './perf-record.mjs';
import { root } from './runner.mjs';
import { LoggedRounds, v8LogArgs } from './v8-log.mjs';

export class RoundRecordings {
  /** @type {RecordedRounds | undefined} */
  perf = undefined;
  /** @type {LoggedRounds | undefined} */
  v8 = undefined;

  /**
   * @param {{ perfRecord: boolean, v8Log: boolean }} asked
   * @param {string} bundle  the process's bundle (its `// path` sections name the module's code)
   * @param {string} name  the recordings' files: tmp/bench/<name>.perf and tmp/bench/<name>.v8.log
   */
  constructor(asked, bundle, name) {
    this.asked = asked;
    this.bundle = bundle;
    this.perfFile = join(root, `tmp/bench/${name}.perf`);
    this.logFile = join(root, `tmp/bench/${name}.v8.log`);
  }

  /**
   * Node's arguments for the process (V8's log: not allowed in NODE_OPTIONS). perf's map of JIT code makes V8 write
   * a log too, by default into the working directory (the repository's root): it goes beside the recording instead.
   */
  nodeArgs() {
    if (this.asked.v8Log) return v8LogArgs(this.logFile);
    return this.asked.perfRecord ? [`--logfile=${this.perfFile}.v8.log`, '--no-logfile-per-isolate'] : [];
  }

  /** Its environment (perf's map of JIT code). */
  env() {
    return this.asked.perfRecord ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${PERF_NODE_OPTIONS}` } : {};
  }

  /** Once the process runs: `spawnedAt` is the parent's performance.now() at its spawn. */
  started(pid, spawnedAt) {
    if (this.asked.perfRecord) this.perf = new RecordedRounds(pid, this.bundle, this.perfFile);
    if (this.asked.v8Log) this.v8 = new LoggedRounds(this.logFile, this.bundle, spawnedAt);
  }

  /**
   * One measured round in `state`, recorded as asked; its requests or jobs are `countOf(result)`.
   * @template T @param {'on' | 'off'} state @param {() => Promise<T> | T} measure @param {(result: T) => number} countOf
   */
  async round(state, measure, countOf) {
    const v8 = this.v8;
    const logged = v8 ? () => v8.mark(state, measure, countOf) : measure;
    return this.perf ? this.perf.record(state, logged, countOf) : logged();
  }

  /** Once the process has exited: V8 writes the last of its log at exit. */
  exited() {
    if (this.v8 && this.v8.windows.length > 0 && !this.v8.summary) this.v8.read();
  }

  /** The Markdown sections for `label` (`Process 1`, `Worker 1`), in µs or events per `unit`. */
  sections(label, unit) {
    const out = [];
    if (this.perf) out.push(`## ${label}: perf samples of all rounds (${this.perf.count.on} ${unit}s on, ${this.perf.count.off} off)\n\n${this.perf.tables(unit)}`);
    if (this.v8) out.push(`## ${label}: V8's optimised compiles and deoptimisations in the measured rounds\n\n${this.v8.tables(unit)}`);
    return out;
  }

  json() {
    return { ...(this.perf ? { perf: this.perf.json() } : {}), ...(this.v8 ? { v8: this.v8.json() } : {}) };
  }
}
