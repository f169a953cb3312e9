// The reading of callgrind's dumps behind api-instructions.mjs (tools/bench/callgrind.mjs), on a made-up dump of the
// shape valgrind 3.19 writes with --dump-instr=no. That valgrind and Node still write it so is checked for real by
// api-instructions.int-spec.ts.
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addedBy, dumpReader, kindOf, namedByMap, parseCallgrind, renamedByMap } from '../callgrind.mjs';

const DUMP = `# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 4242
part: 2
thread: 1
positions: line
events: Ir Dr D1mr
summary: 1700 400 9

ob=(1) /usr/bin/node
fl=(1) ???
fn=(1) Builtins_StringAdd_CheckNone
0 100 20 1
+3 50 10
cfl=(1)
cfn=(2) v8::internal::String::SlowFlatten(v8::internal::Isolate*)
calls=2 0
* 900 300 5
fn=(2)
0 900 300 5
fn=(3) 0x0000000028276600
-2 600 70 3
cfn=(1)
calls=1 0
0 150 30 1
fn=(1)
0 50
totals: 1700 400 9
`;

describe('callgrind: reading a dump', () => {
  const { events, totals, self } = parseCallgrind(DUMP);

  it('reads the events and their totals', () => {
    expect(events).toEqual(['Ir', 'Dr', 'D1mr']);
    expect(totals).toEqual([1700, 400, 9]);
  });

  it("counts each function's own cost, not what it calls, through compressed names and relative positions", () => {
    expect(Object.fromEntries(self)).toEqual({
      Builtins_StringAdd_CheckNone: [200, 30, 1],
      'v8::internal::String::SlowFlatten(v8::internal::Isolate*)': [900, 300, 5],
      '0x0000000028276600': [600, 70, 3],
    });
    // Own costs add up to the totals: nothing counted twice, nothing left out.
    expect([...self.values()].reduce((sum, cost) => sum + cost[0], 0)).toBe(totals[0]);
  });

  it('refuses a file without totals', () => {
    expect(() => parseCallgrind('events: Ir\nfn=(1) f\n0 5\n')).toThrow('no totals line');
  });
});

describe('callgrind: kinds of code', () => {
  it.each([
    ['0x0000000028276600', 'JavaScript (compiled)'],
    ["0x000000002827acc0'2", 'JavaScript (compiled)'],
    ["JS:*__spinLoop file:///app/dist/apps/api/main-instructions.js:3:10", 'JavaScript (compiled)'],
    ['Builtins_KeyedLoadIC_Megamorphic', "V8's builtins"],
    ['v8::internal::compiler::GraphReducer::ReduceNode(v8::internal::compiler::Node*)', "V8's compilers"],
    ['heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(x)', 'garbage collection'],
    ['void v8::internal::BodyDescriptorBase::IteratePointers<v8::internal::ScavengeVisitor>(x)', 'garbage collection'],
    ['bool v8::internal::JsonStringifier::SerializeString<false>(x)', "V8's runtime"],
    ['v8::internal::Runtime_DefineKeyedOwnPropertyInLiteral(int, unsigned long*, v8::internal::Isolate*)', "V8's runtime"],
    ['node::SpinEventLoopInternal(node::Environment*)', "Node's native code"],
    ['__vfprintf_internal', 'other native code (libc, OpenSSL, ...)'],
  ])('%s is %s', (name, kind) => {
    expect(kindOf(name)).toBe(kind);
  });
});

describe('callgrind: compiled JavaScript named by V8 map', () => {
  const symbolOf = (address: number) => (address >= 0x1000 && address < 0x1100 ? "JS:*'currentComment file:///x.js:1:1" : undefined);

  it('names an address of compiled code, a recursive call to it too, and leaves other names as they are', () => {
    expect(namedByMap('0x0000000000001040', symbolOf)).toBe("JS:*'currentComment file:///x.js:1:1");
    expect(namedByMap("0x1040'2", symbolOf)).toBe("JS:*'currentComment file:///x.js:1:1");
    expect(namedByMap('0x2000', symbolOf)).toBe('0x2000');
    expect(namedByMap('Builtins_StringAdd_CheckNone', symbolOf)).toBe('Builtins_StringAdd_CheckNone');
  });

  it('renames the counts of a window, adding up those that land on one name', () => {
    expect(renamedByMap({ '0x1040': 5, "0x1040'2": 2, '0x2000': 1, Builtins_LoadIC: 3 }, symbolOf)).toEqual({
      "JS:*'currentComment file:///x.js:1:1": 7,
      '0x2000': 1,
      Builtins_LoadIC: 3,
    });
  });
});

describe('callgrind: the dumps of a run, read as they come', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callgrind-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses each dump once, with its thread, and leaves other files alone', () => {
    const read = dumpReader(dir);
    writeFileSync(join(dir, 'app.1-01'), DUMP);
    writeFileSync(join(dir, 'app.1-02'), DUMP.replace('totals: 1700 400 9', 'totals: 5 0 0'));
    writeFileSync(join(dir, 'app'), 'not a dump');
    const first = read();
    expect(first.map((d) => [d.thread, d.totals[0]]).sort()).toEqual([[1, 1700], [2, 5]]);
    expect(read()).toEqual([]);
    writeFileSync(join(dir, 'app.2-01'), DUMP);
    expect(read().map((d) => d.thread)).toEqual([1]);
  });
});

describe('callgrind: what one state adds against another', () => {
  it("sums each side's windows by key as their mean, and puts the largest differences first", () => {
    const on = [{ functions: { a: 10, b: 4, c: 1 } }, { functions: { a: 20, b: 4 } }];
    const off = [{ functions: { a: 14, d: 3 } }];
    const byName = addedBy(on, off, (name: string) => name);
    expect(byName).toEqual([
      { name: 'b', on: 4, added: 4 },
      { name: 'd', on: 0, added: -3 },
      { name: 'a', on: 15, added: 1 },
      { name: 'c', on: 0.5, added: 0.5 },
    ]);
    const grouped = addedBy(on, off, (name: string) => (name === 'd' ? 'other' : 'ours'));
    expect(grouped).toEqual([{ name: 'ours', on: 19.5, added: 5.5 }, { name: 'other', on: 0, added: -3 }]);
  });
});
