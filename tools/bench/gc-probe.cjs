// Preloaded into a process under test (`--require`, see gc-probe.mjs) when GC_PROBE_DIR is set: its requests (by
// diagnostics_channel), garbage-collection pauses (by a `gc` PerformanceObserver, minor and major apart) and the size
// of V8's young generation, written as a JSON line every 200 ms and at exit to GC_PROBE_DIR/<pid>.jsonl. CommonJS:
// a preload runs before the app.
'use strict';
const dir = process.env.GC_PROBE_DIR;
if (dir) {
  const { appendFileSync } = require('node:fs');
  const { subscribe } = require('node:diagnostics_channel');
  const { PerformanceObserver, constants } = require('node:perf_hooks');
  const { getHeapSpaceStatistics } = require('node:v8');
  const counts = { requests: 0, minor: 0, minorMs: 0, major: 0, majorMs: 0 };
  // Whether V8's memory reducer runs here: the bench turns it off in the processes it measures (runner.mjs heapFlags).
  const reducer = !process.execArgv.includes('--no-memory-reducer');
  subscribe('http.server.request.start', () => {
    counts.requests++;
  });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // Scavenges (and the minor mark-sweep) are the young generation's; everything else counts as major.
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        counts.minor++;
        counts.minorMs += entry.duration;
      } else {
        counts.major++;
        counts.majorMs += entry.duration;
      }
    }
  }).observe({ entryTypes: ['gc'] });
  const file = `${dir}/${process.pid}.jsonl`;
  // A probe must never take its process down: a folder removed under it only ends the counts.
  const write = () => {
    try {
      // The young generation's size: for the same requests, more scavenges in a smaller one than in a larger one.
      const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
      appendFileSync(file, `${JSON.stringify({ at: Date.now(), ...counts, youngKB: young && Math.round(young.space_size / 1024), reducer })}\n`);
    } catch {
      // nothing to report to: the reader says which process wrote nothing
    }
  };
  setInterval(write, 200).unref();
  process.on('exit', write);
}
