import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median, medianRows } from '../stats.mjs';
import { children, header, heapFlags, pin, root } from '../runner.mjs';

// 3. Query comments
// Each worker process sends on one connection, through a sqlCommentingClient (comments on in one process, off in
// the other), either with pg's own Client.query (the override bypassed) or with the commenting client's: the
// comparison crosses neither processes nor PostgreSQL backends, which differ by more than a comment costs. The
// comments-on process also runs pg's own query a second time: its difference to the first is the resolution of the
// measurement; and a third time with the module's comment written into the statement by the bench (no module code):
// what the longer text alone costs, so the rest of the commenting client's figure is the module's code. Each round
// runs about o.queries queries per client in chunks of 250, the clients of a process in turn (below). The table's
// µs per query and client CPU are medians over the rounds of each client's mean; the added figures are medians over
// every cycle of the difference to pg's query in the same process and cycle.
const CLIENTS = { on: ['plain', 'plain2', 'commenting', 'textual'], off: ['plain', 'commenting'] };
const MODES = Object.keys(CLIENTS);
// The order of a process's chunks: a cyclic de Bruijn sequence of its clients, in which each client follows each
// client (itself included) exactly once per cycle. A chunk leaves garbage that the next chunk's collections pay for;
// a plain rotation let pg's query follow the commenting client twice as often as its second run did (the
// "resolution" then read −1.3 and −2.0 % in two runs), and never let the commenting client follow itself.
function deBruijn(symbols) {
  const k = symbols.length;
  const a = [0, 0, 0];
  const sequence = [];
  const build = (t, p) => {
    if (t > 2) {
      if (2 % p === 0) sequence.push(...a.slice(1, p + 1));
      return;
    }
    a[t] = a[t - p];
    build(t + 1, p);
    for (let j = a[t - p] + 1; j < k; j++) {
      a[t] = j;
      build(t + 1, t);
    }
  };
  build(1, 1);
  return sequence.map((i) => symbols[i]);
}
const ORDERS = Object.fromEntries(MODES.map((mode) => [mode, deBruijn(CLIENTS[mode])]));
const CHUNK = 250;

/**
 * One run's figures move by 1 to 2 % from the next's with nothing changed (docs/performance-log.md, "Twentieth look"), so
 * `--comments-runs=N` measures N times, each with new worker processes, and judges the median over the runs.
 */
export async function commentsScenario(o, backends, results) {
  const runs = [];
  for (let run = 1; run <= o.commentsRuns; run++) runs.push(await measureOnce(o, backends, o.commentsRuns > 1 ? ` (run ${run} of ${o.commentsRuns})` : ''));
  const [first] = runs;
  if (runs.length === 1) {
    results.comments = first;
    return;
  }
  const rows = medianRows(
    runs.map((r) => r.rows),
    ['median', 'addedPercent', 'cpuMicrosPerQuery', 'addedCpuMicros'],
    'addedPercent',
  );
  results.comments = { ...first, rows, runs: runs.map((r) => r.rows) };
  header(`Query comments, the median of ${runs.length} runs (each run's figures above)`);
  printRows(rows);
  process.stdout.write('\nAdded: the median over the runs of each run\'s figure, with their range; µs per query: the median of the runs\' medians.\n');
}

async function measureOnce(o, backends, title) {
  const procs = {};
  for (const mode of MODES) procs[mode] = await startWorker(mode, backends.db.on, heapFlags(o.semiSpace));
  const chunk = Math.min(CHUNK, o.queries);
  for (const mode of MODES) for (const client of CLIENTS[mode]) await procs[mode].batch(client, Math.min(o.queries, 2_000));
  const rounds = { on: [], off: [] };
  // Each cycle's figures too: the added cost is the median over every cycle of every round (a cycle takes about a
  // quarter of a second, so the machine drifts less within it than within a round).
  const cycleFigures = { on: [], off: [] };
  // A cycle of a process's sequence runs each of its k clients k times: enough cycles for o.queries per client.
  const cycles = Object.fromEntries(MODES.map((m) => [m, Math.max(1, Math.ceil(o.queries / chunk / CLIENTS[m].length))]));
  for (let r = 0; r < o.rounds; r++) {
    const sums = Object.fromEntries(MODES.map((m) => [m, zero(m)]));
    const cycleSums = Object.fromEntries(MODES.map((m) => [m, zero(m)]));
    // The two processes take turns chunk by chunk, so every chunk follows one of the other process (on one core):
    // a process's first chunk after the other's ran slower, and the first of each cycle was always pg's query.
    const lists = Object.fromEntries(MODES.map((m) => [m, Array.from({ length: cycles[m] }, () => ORDERS[m]).flat()]));
    for (let i = 0; i < Math.max(...MODES.map((m) => lists[m].length)); i++) {
      for (const mode of MODES.filter((m) => i < lists[m].length)) {
        const client = lists[mode][i];
        const reply = await procs[mode].batch(client, chunk);
        for (const into of [sums[mode][client], cycleSums[mode][client]]) {
          into.n += chunk;
          into.ns += reply.ns;
          into.cpuMicros += reply.cpuMicros;
        }
        if ((i + 1) % ORDERS[mode].length === 0) {
          cycleFigures[mode].push(figures(cycleSums[mode]));
          cycleSums[mode] = zero(mode);
        }
      }
    }
    for (const mode of MODES) rounds[mode].push(figures(sums[mode]));
  }
  // The next run's workers start once these have gone.
  await Promise.all(
    Object.values(procs).map(async ({ child }) => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    }),
  );
  const row = (variant, mode, client) => {
    const of = (f) => rounds[mode].map(f);
    const ofCycles = (f) => cycleFigures[mode].map(f);
    return {
      variant,
      median: median(of((s) => s[client].us)),
      min: Math.min(...of((s) => s[client].us)),
      max: Math.max(...of((s) => s[client].us)),
      addedPercent: median(ofCycles((s) => ((s[client].us - s.plain.us) / s.plain.us) * 100)),
      cpuMicrosPerQuery: median(of((s) => s[client].cpu)),
      addedCpuMicros: median(ofCycles((s) => s[client].cpu - s.plain.cpu)),
    };
  };
  const rows = [
    row('pg Client (commenting bypassed)', 'on', 'plain'),
    row('pg Client again (resolution)', 'on', 'plain2'),
    row('sqlCommentingClient, comments off', 'off', 'commenting'),
    row('sqlCommentingClient, comments on', 'on', 'commenting'),
    row("pg Client, the comment's text written in (no module code)", 'on', 'textual'),
  ];
  const measured = {
    rows,
    statementOn: procs.on.statements.commenting,
    statementOff: procs.off.statements.commenting,
    statementPlain: procs.on.statements.plain,
    statementTextual: procs.on.statements.textual,
    queries: o.queries,
  };
  header(
    `Query comments${title} (about ${o.queries} × SELECT $1::int through TypeORM per client and round, one connection, ` +
      `the clients compared on it inside one process, ${o.rounds} rounds, chunks of ${chunk} in turn)`,
  );
  printRows(rows);
  process.stdout.write(
    `\nAdded: the median over every cycle of the rounds of its difference to pg's query in the same process; the row ` +
      `"again" is what two runs of pg's own query differ by; the row "text written in" is what the comment's text costs ` +
      `without the module's code.\nStatement as PostgreSQL saw it, comments on: ${procs.on.statements.commenting}\n`,
  );
  return measured;
}

const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/** The table of the clients; rows of several runs (medianRows) add a column: the added latency's range over them. */
function printRows(rows) {
  const ranged = rows.some((r) => r.range);
  process.stdout.write(`| client | µs/query median | min–max | added vs pg Client |${ranged ? ' range over runs |' : ''} client CPU µs/query | added client CPU µs |\n`);
  process.stdout.write(`|---|---:|---:|---:|${ranged ? '---:|' : ''}---:|---:|\n`);
  for (const r of rows) {
    const range = r.range ? ` ${signed(r.range[0])} to ${signed(r.range[1])} % |` : '';
    process.stdout.write(
      `| ${r.variant} | ${r.median.toFixed(1)} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} | ${signed(r.addedPercent)} % |${range} ` +
        `${r.cpuMicrosPerQuery.toFixed(2)} | ${signed(r.addedCpuMicros)} |\n`,
    );
  }
}

/** A process's empty sums, one per client. */
function zero(mode) {
  return Object.fromEntries(CLIENTS[mode].map((c) => [c, { n: 0, ns: 0, cpuMicros: 0 }]));
}

/** Per client: µs per query and client CPU µs per query. */
function figures(sums) {
  return Object.fromEntries(Object.entries(sums).map(([c, s]) => [c, { us: s.ns / s.n / 1e3, cpu: s.cpuMicros / s.n }]));
}

async function startWorker(mode, databaseUrl, nodeArgs) {
  const [command, ...rest] = [...pin(0), process.execPath, ...nodeArgs, join(root, 'dist/tools/bench/query-comments.js')];
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
