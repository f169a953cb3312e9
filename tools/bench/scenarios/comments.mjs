import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median } from '../stats.mjs';
import { children, header, pin, root } from '../runner.mjs';

// 3. Query comments
export async function commentsScenario(o, backends, results) {
  const procs = {};
  for (const mode of ['plain', 'off', 'on']) {
    const [command, ...rest] = [...pin(0), process.execPath, join(root, 'dist/tools/bench/query-comments.js')];
    const child = spawn(command, rest, {
      env: { ...process.env, BENCH_COMMENTS: mode, DATABASE_URL: backends.db.on },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.add(child);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error(`query-comments (${mode}) exited early`);
      return JSON.parse(value);
    };
    const ready = await next();
    procs[mode] = { child, next, statement: ready.statement };
  }
  const batch = async (mode, n) => {
    procs[mode].child.stdin.write(`run ${n}\n`);
    const reply = await procs[mode].next();
    return { ns: Number(reply.ns), cpuMicros: reply.cpuMicros };
  };
  for (const mode of Object.keys(procs)) await batch(mode, Math.min(o.queries, 2_000));
  // Each round runs every client's queries in chunks of 1,000, interleaved (A B C A B C ...), so a slow patch of
  // the machine lands on all three alike; a round's figure is each client's mean over its chunks.
  const modes = ['plain', 'off', 'on'];
  const chunk = Math.min(1_000, o.queries);
  const samples = Object.fromEntries(modes.map((m) => [m, []]));
  const cpuSamples = Object.fromEntries(modes.map((m) => [m, []]));
  for (let r = 0; r < o.rounds; r++) {
    const ns = Object.fromEntries(modes.map((m) => [m, 0]));
    const cpu = Object.fromEntries(modes.map((m) => [m, 0]));
    for (let done = 0; done < o.queries; done += chunk) {
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(i + r + done / chunk) % modes.length];
        const reply = await batch(mode, chunk);
        ns[mode] += reply.ns;
        cpu[mode] += reply.cpuMicros;
      }
    }
    const total = Math.ceil(o.queries / chunk) * chunk;
    for (const mode of modes) {
      samples[mode].push(ns[mode] / total / 1e3);
      cpuSamples[mode].push(cpu[mode] / total);
    }
  }
  for (const { child } of Object.values(procs)) child.stdin.end();
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const rows = ['plain', 'off', 'on'].map((mode) => ({
    variant: { plain: 'pg Client (no commenting client)', off: 'sqlCommentingClient, comments off', on: 'sqlCommentingClient, comments on' }[mode],
    median: med[mode],
    min: Math.min(...samples[mode]),
    max: Math.max(...samples[mode]),
    addedPercent: ((med[mode] - med.plain) / med.plain) * 100,
    cpuMicrosPerQuery: median(cpuSamples[mode]),
  }));
  results.comments = { rows, statementOn: procs.on.statement, statementOff: procs.off.statement, queries: o.queries };
  header(`Query comments (${o.queries} × SELECT $1::int through TypeORM per client and round, one connection, ${o.rounds} rounds, chunks of ${chunk} interleaved)`);
  process.stdout.write('| client | µs/query median | min–max | added vs pg Client | client CPU µs/query |\n|---|---:|---:|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(
      `| ${r.variant} | ${r.median.toFixed(1)} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} | ${r.addedPercent >= 0 ? '+' : ''}${r.addedPercent.toFixed(2)} % | ${r.cpuMicrosPerQuery.toFixed(2)} |\n`,
    );
  }
  process.stdout.write(`\nStatement as PostgreSQL saw it, comments on: ${procs.on.statement}\n`);
}
