import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median } from '../stats.mjs';
import { children, header, pin, root } from '../runner.mjs';

// 3. Query comments
// Each worker process holds pg's own Client and the commenting one (comments on in one process, off in the other),
// each on a connection of its own, so a comparison never crosses processes: two processes of one build differ by
// more than a comment costs. The comments-on process also holds pg's Client on a second connection: its difference
// to the first is the resolution of the measurement. Each round runs every client's queries in chunks of 250,
// the clients of a process in turn, starting one further along each chunk; a round's figure is a client's mean over
// its chunks, its added cost the difference to pg's Client in the same process and round, and the reported figures
// the medians over the rounds.
const CLIENTS = { on: ['plain', 'plain2', 'commenting'], off: ['plain', 'commenting'] };
const MODES = Object.keys(CLIENTS);
const CHUNK = 250;

export async function commentsScenario(o, backends, results) {
  const procs = {};
  for (const mode of MODES) procs[mode] = await startWorker(mode, backends.db.on);
  const chunk = Math.min(CHUNK, o.queries);
  for (const mode of MODES) for (const client of CLIENTS[mode]) await procs[mode].batch(client, Math.min(o.queries, 2_000));
  const rounds = { on: [], off: [] };
  for (let r = 0; r < o.rounds; r++) {
    const sums = Object.fromEntries(Object.entries(CLIENTS).map(([mode, clients]) => [mode, Object.fromEntries(clients.map((c) => [c, { ns: 0, cpuMicros: 0 }]))]));
    let turn = r;
    for (let done = 0; done < o.queries; done += chunk) {
      for (const mode of MODES) {
        const clients = CLIENTS[mode];
        for (let i = 0; i < clients.length; i++) {
          const client = clients[(i + turn) % clients.length];
          const reply = await procs[mode].batch(client, chunk);
          sums[mode][client].ns += reply.ns;
          sums[mode][client].cpuMicros += reply.cpuMicros;
        }
      }
      turn++;
    }
    const total = Math.ceil(o.queries / chunk) * chunk;
    for (const mode of MODES) {
      const round = Object.fromEntries(Object.entries(sums[mode]).map(([c, s]) => [c, { us: s.ns / total / 1e3, cpu: s.cpuMicros / total }]));
      rounds[mode].push(round);
    }
  }
  for (const { child } of Object.values(procs)) child.stdin.end();
  const row = (variant, list, client) => {
    const of = (f) => list.map(f);
    return {
      variant,
      median: median(of((s) => s[client].us)),
      min: Math.min(...of((s) => s[client].us)),
      max: Math.max(...of((s) => s[client].us)),
      addedPercent: median(of((s) => ((s[client].us - s.plain.us) / s.plain.us) * 100)),
      cpuMicrosPerQuery: median(of((s) => s[client].cpu)),
      addedCpuMicros: median(of((s) => s[client].cpu - s.plain.cpu)),
    };
  };
  const rows = [
    row('pg Client (no commenting client)', rounds.on, 'plain'),
    row('pg Client, second connection (resolution)', rounds.on, 'plain2'),
    row('sqlCommentingClient, comments off', rounds.off, 'commenting'),
    row('sqlCommentingClient, comments on', rounds.on, 'commenting'),
  ];
  results.comments = {
    rows,
    statementOn: procs.on.statements.commenting,
    statementOff: procs.off.statements.commenting,
    statementPlain: procs.on.statements.plain,
    queries: o.queries,
  };
  header(
    `Query comments (${o.queries} × SELECT $1::int through TypeORM per client and round, one connection per client, ` +
      `the clients compared inside one process, ${o.rounds} rounds, chunks of ${chunk} in turn)`,
  );
  process.stdout.write('| client | µs/query median | min–max | added vs pg Client | client CPU µs/query | added client CPU µs |\n|---|---:|---:|---:|---:|---:|\n');
  const sign = (x) => (x >= 0 ? '+' : '');
  for (const r of rows) {
    process.stdout.write(
      `| ${r.variant} | ${r.median.toFixed(1)} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} | ${sign(r.addedPercent)}${r.addedPercent.toFixed(2)} % | ` +
        `${r.cpuMicrosPerQuery.toFixed(2)} | ${sign(r.addedCpuMicros)}${r.addedCpuMicros.toFixed(2)} |\n`,
    );
  }
  process.stdout.write(
    `\nAdded: the median over the rounds of each round's difference to pg's Client in the same process; the second ` +
      `connection's row is what two identical clients differ by.\nStatement as PostgreSQL saw it, comments on: ${procs.on.statements.commenting}\n`,
  );
}

async function startWorker(mode, databaseUrl) {
  const [command, ...rest] = [...pin(0), process.execPath, join(root, 'dist/tools/bench/query-comments.js')];
  const child = spawn(command, rest, { env: { ...process.env, BENCH_COMMENTS: mode, DATABASE_URL: databaseUrl }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`query-comments (${mode}) exited early`);
    return JSON.parse(value);
  };
  const { statements } = await next();
  const batch = async (client, n) => {
    child.stdin.write(`run ${client} ${n}\n`);
    const reply = await next();
    return { ns: Number(reply.ns), cpuMicros: reply.cpuMicros };
  };
  return { child, statements, batch };
}
