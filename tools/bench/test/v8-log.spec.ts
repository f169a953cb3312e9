// The reading of V8's log behind --v8-log (tools/bench/v8-log.mjs), on a made-up log of the shape node 24's V8
// (13.6) writes with --log-code --log-deopt. That V8 still writes it so is checked for real by queue-hooks.int-spec.ts.
import { describe, expect, it } from '@jest/globals';
import { sectionsOf } from '../perf-record.mjs';
import { LoggedRounds, placeOf, roundEvents, v8Events, v8LogTables } from '../v8-log.mjs';

const BUNDLE = '/app/dist/apps/worker/main-hooks.js';
const sections = sectionsOf(['const prelude = 1;', '// dist/libs/observability/esm/lib/queue/job-events.js', 'function completed() {}'].join('\n'));
const place = (fn: string) => placeOf(fn, sections, BUNDLE);

const LOG = [
  'v8-version,13,6,233,17,-node.53,0',
  // Bytecode and Sparkplug code: not optimised, not counted.
  'code-creation,JS,9,1000000,0xa1,12,query /app/node_modules/pg/lib/client.js:500:7,0xf1,~',
  'code-creation,JS,10,1100000,0xa2,40,query /app/node_modules/pg/lib/client.js:500:7,0xf1,^',
  // Maglev (with the mark V8 adds for code specialised to its context) and TurboFan.
  "code-creation,JS,11,1200000,0xa3,900,query /app/node_modules/pg/lib/client.js:500:7,0xf1,+'",
  `code-creation,JS,12,1300000,0xa4,2000,completed file://${BUNDLE}:3:10,0xf2,*`,
  // An anonymous function of the module, its name escaped by V8 where it holds a comma.
  `code-creation,JS,12,2100000,0xa5,500, file://${BUNDLE}:3:20,0xf3,*`,
  'code-creation,JS,12,2200000,0xa6,500,a\\x2Cb /app/node_modules/typeorm/x.js:1:1,0xf4,*',
  // The TurboFan code moves, then is thrown away: named by the code it was.
  'code-move,0xa4,0xb4',
  `code-deopt,2300000,2000,0xb4,-1,24,deopt-eager,<file://${BUNDLE}:3:15>,wrong map`,
  // Code the log never named: its position.
  'code-deopt,2400000,900,0xc9,1,30,deopt-eager,</app/node_modules/typeorm/q.js:480:30> inlined at </app/node_modules/typeorm/s.js:1:2>,unexpected name in keyed access',
  // After the last round.
  'code-deopt,3500000,900,0xa3,-1,3,deopt-soft,<node:fs:1:1>,Insufficient type feedback for call',
  '',
].join('\n');

describe('v8-log: reading V8 log events', () => {
  const events = v8Events(LOG);

  it('finds the optimised compiles and the deoptimisations, with their time, function and reason', () => {
    expect(events).toEqual([
      { at: 1.2, kind: 'Maglev compile', fn: 'query /app/node_modules/pg/lib/client.js:500:7' },
      { at: 1.3, kind: 'TurboFan compile', fn: `completed file://${BUNDLE}:3:10` },
      { at: 2.1, kind: 'TurboFan compile', fn: ` file://${BUNDLE}:3:20` },
      { at: 2.2, kind: 'TurboFan compile', fn: 'a,b /app/node_modules/typeorm/x.js:1:1' },
      { at: 2.3, kind: 'deoptimisation', fn: `completed file://${BUNDLE}:3:10`, reason: 'wrong map' },
      { at: 2.4, kind: 'deoptimisation', fn: '/app/node_modules/typeorm/q.js:480:30', reason: 'unexpected name in keyed access' },
      { at: 3.5, kind: 'deoptimisation', fn: 'query /app/node_modules/pg/lib/client.js:500:7', reason: 'Insufficient type feedback for call' },
    ]);
  });

  it("counts each round's events for its state, by kind and by function, and leaves out the rest", () => {
    const windows = [
      { state: 'on', start: 1, end: 2, count: 100 },
      { state: 'off', start: 2, end: 3, count: 200 },
    ];
    const { count, on, off } = roundEvents(events, windows, place);
    expect(count).toEqual({ on: 100, off: 200 });
    expect(Object.fromEntries(on.kinds)).toEqual({ 'Maglev compile': 1, 'TurboFan compile': 1 });
    expect(Object.fromEntries(off.kinds)).toEqual({ 'TurboFan compile': 2, deoptimisation: 2 });
    expect(Object.fromEntries(on.functions)).toEqual({
      'Maglev compile: pg: query (package pg)': 1,
      'TurboFan compile: queue/job-events: completed (module)': 1,
    });
    expect(Object.fromEntries(off.functions)).toEqual({
      // Anonymous functions by their place, as several of one file or package would otherwise count as one.
      'TurboFan compile: queue/job-events: (anonymous) main-hooks.js:3:20 (module)': 1,
      'TurboFan compile: typeorm: a,b (package typeorm)': 1,
      'deoptimisation: queue/job-events: completed (module), wrong map': 1,
      'deoptimisation: /app/node_modules/typeorm/q.js:480:30, unexpected name in keyed access': 1,
    });
  });

  it('prints them per 1,000 units, on against off', () => {
    const summary = roundEvents(events, [
      { state: 'on', start: 1, end: 2, count: 100 },
      { state: 'off', start: 2, end: 3, count: 200 },
    ], place);
    const text = v8LogTables(summary, 'job');
    expect(text).toContain('| V8 event | per 1,000 jobs, on | switched off |');
    expect(text).toContain('| Maglev compile | 10.00 | 0.00 |');
    expect(text).toContain('| TurboFan compile | 10.00 | 10.00 |');
    expect(text).toContain('| deoptimisation | 0.00 | 10.00 |');
    expect(text).toContain('| deoptimisation: queue/job-events: completed (module), wrong map | 0.00 | 5.00 |');
  });

  it('tells rounds right after a flip of the switches from rounds after one in the same state', () => {
    const windows = [
      { state: 'on', start: 1, end: 1.25, count: 100 },
      { state: 'on', start: 1.25, end: 2, count: 100 },
      { state: 'off', start: 2, end: 2.15, count: 200 },
      { state: 'off', start: 2.15, end: 3, count: 200 },
    ];
    const summary = roundEvents(events, windows, place);
    expect(summary.rounds.map((r: { afterFlip: boolean; kinds: Map<string, number> }) => [r.afterFlip, Object.fromEntries(r.kinds)])).toEqual([
      [false, { 'Maglev compile': 1 }],
      [false, { 'TurboFan compile': 1 }],
      [true, { 'TurboFan compile': 1 }],
      [false, { 'TurboFan compile': 1, deoptimisation: 2 }],
    ]);
    const text = v8LogTables(summary, 'job');
    expect(text).toContain('| right after the switches flipped | 0.00 | 5.00 |');
    expect(text).toContain('| after a round in the same state | 10.00 | 5.00 |');
  });

  it('says what is wrong when the process left no log to read', () => {
    expect(() => new LoggedRounds('/nonexistent/worker.v8.log', BUNDLE, 0).read()).toThrow(/no V8 log at \/nonexistent\/worker.v8.log/);
  });
});
