// Pure helpers of the bench runner: wrk output parsing, medians, the added cost per request, tables, targets.

const UNIT = { us: 1e-3, ms: 1, s: 1e3 };

/** Milliseconds from a wrk duration such as `812.00us`, `1.52ms` or `2.01s`. */
export function parseDuration(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) throw new Error(`not a wrk duration: ${text}`);
  return Number(m[1]) * UNIT[m[2]];
}

/** Requests/s, p50/p99 latency (ms), request count and failures from `wrk --latency` output. */
export function parseWrk(output) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p50 = /^\s+50%\s+(\S+)/m.exec(output);
  const p99 = /^\s+99%\s+(\S+)/m.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (!rps || !p50 || !p99 || !total) throw new Error(`unexpected wrk output:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { rps: Number(rps[1]), p50: parseDuration(p50[1]), p99: parseDuration(p99[1]), requests: Number(total[1]), non2xx, socketErrors };
}

export function median(values) {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The median of paired figures whose pairs were measured in two orders (`firsts[i]`: which state came first), as the
 * mean of each order's median: a pair's first measurement follows an idle spell and reads higher (docs/performance-log.md,
 * "Thirtieth look"), which this cancels at any count of pairs. The plain median when only one order was measured.
 */
export function orderBalancedMedian(values, firsts) {
  if (values.length !== firsts.length) throw new Error(`orderBalancedMedian: ${values.length} values, ${firsts.length} orders`);
  const orders = [...new Set(firsts)].map((first) => values.filter((_, i) => firsts[i] === first));
  return orders.length === 2 ? (median(orders[0]) + median(orders[1])) / 2 : median(values);
}

/**
 * Two builds' figures measured in the same rounds (`next[i]` and `base[i]` in round i), compared round by round:
 * the median of the differences and in how many rounds `next` read lower. Rounds missing either figure are left out.
 */
export function pairedRounds(next, base) {
  const diffs = next.flatMap((x, i) => (x === undefined || base[i] === undefined ? [] : [x - base[i]]));
  if (diffs.length === 0) return undefined;
  return { median: median(diffs), lower: diffs.filter((d) => d < 0).length, rounds: diffs.length };
}

/**
 * Rows measured in several runs (one array of rows per run, the same variants in the same order), as one row each:
 * every figure in `figures` the median over the runs (those a run could not measure left out), `min` and `max` the
 * extremes, and `range` the lowest and highest of the runs' `ranged` figure.
 */
export function medianRows(runs, figures, ranged) {
  return runs[0].map((first, i) => {
    const of = (key) => runs.map((rows) => rows[i][key]).filter((x) => x !== undefined);
    const row = { ...first, min: Math.min(...of('min')), max: Math.max(...of('max')), range: [Math.min(...of(ranged)), Math.max(...of(ranged))] };
    for (const key of figures) row[key] = of(key).length ? median(of(key)) : undefined;
    return row;
  });
}

/** Microseconds each request costs beyond the baseline, from throughputs: 1e6/rps − 1e6/rps_baseline. */
export function addedMicros(rps, baselineRps) {
  return 1e6 / rps - 1e6 / baselineRps;
}

/** One table row from a variant's wrk samples, against the baseline's samples. */
export function summarize(variant, samples, baselineSamples) {
  const rps = median(samples.map((s) => s.rps));
  return {
    variant,
    rps,
    min: Math.min(...samples.map((s) => s.rps)),
    max: Math.max(...samples.map((s) => s.rps)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    added: addedMicros(rps, median(baselineSamples.map((s) => s.rps))),
    failures: samples.reduce((n, s) => n + s.non2xx + s.socketErrors, 0),
  };
}

export function formatTable(rows, addedTitle) {
  const lines = [`| variant | req/s median | min–max | p50 ms | p99 ms | ${addedTitle} | failed |`, '|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const sign = r.added >= 0 ? '+' : '';
    lines.push(
      `| ${r.variant} | ${r.rps.toFixed(0)} | ${r.min.toFixed(0)}–${r.max.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${sign}${r.added.toFixed(1)} | ${r.failures} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const row = (rows, variant) => rows?.find((r) => r.variant === variant);

/** Every switched-off process's CPU per request over every switched-on one's; undefined unless all are known. */
function processPairs(offs, ons) {
  if (!offs?.length || !ons?.length || [...offs, ...ons].some((c) => !(c > 0))) return undefined;
  return offs.flatMap((off) => ons.map((on) => off / on));
}

/** The switched-off processes against each other (the slower over the faster): what the run's processes differ by alone. */
function offAgainstOff(offs) {
  if (!offs || offs.length < 2 || offs.some((c) => !(c > 0))) return undefined;
  return Math.min(...offs) / Math.max(...offs);
}

/** The api scenario's row of its known-work variant (bench --known-work). */
export const knownWorkLabel = (micros) => `observability off, ${micros} µs of known work per request`;

/** The api's known work (bench --known-work), as the µs of work and the CPU per request it added over `off`. */
function rulerOf(run, knownWork, off) {
  const known = knownWork ? row(run?.rows, knownWorkLabel(knownWork)) : undefined;
  return known?.cpuMicrosPerRequest && off?.cpuMicrosPerRequest ? { work: knownWork, charged: known.cpuMicrosPerRequest - off.cpuMicrosPerRequest } : undefined;
}

const pct = (share) => `${(share * 100).toFixed(1)} %`;

/**
 * One run of the real api (bench --api-runs): what share of its switched-off CPU per request it keeps with everything
 * on (the mean of each variant's processes), the pairings of process against process, and whether the run resolved
 * its known work (undefined `unresolved` when it had none). Undefined without both variants.
 */
export function apiRunFigures(run, knownWork) {
  const on = row(run?.rows, 'observability on');
  const off = row(run?.rows, 'observability off');
  if (!on || !off) return undefined;
  const cpuShare = on.cpuMicrosPerRequest && off.cpuMicrosPerRequest ? off.cpuMicrosPerRequest / on.cpuMicrosPerRequest : undefined;
  const ruler = rulerOf(run, knownWork, off);
  return {
    rpsShare: on.rps / off.rps,
    cpuShare,
    pairs: processPairs(off.cpuMicrosPerProcess, on.cpuMicrosPerProcess),
    sameBuild: offAgainstOff(off.cpuMicrosPerProcess),
    ruler,
    unresolved: ruler ? !(ruler.charged >= ruler.work / 2) : undefined,
  };
}

/**
 * The real api's target: the share of its switched-off CPU per request it keeps with everything on, each variant
 * the mean of its processes, at least 92 %; over several runs (--api-runs) the median of the runs'. A run that
 * charged its known work under half its size is not judged. Not every pairing of processes: the switched-off
 * processes of one run alone have kept as little as 89.7 % of each other (docs/performance.md, "How it is
 * measured"), and a rule on the worst pairing fails a module that costs nothing; the pairings stay in the detail.
 */
// Without the CPU time of its processes (not on Linux), a run is judged on its throughput.
const kept = (r) => r.cpuShare ?? r.rpsShare;

/** What the api's target is judged on: the median share kept over the runs (`apiRunFigures`) that resolved their known work. */
export function apiJudgedShare(figures) {
  const judged = figures.filter((r) => r && !r.unresolved);
  return judged.length ? median(judged.map(kept)) : undefined;
}

function apiTarget(api) {
  const runs = (api?.runs ?? (api ? [api] : [])).map((run) => apiRunFigures(run, api.knownWork)).filter(Boolean);
  if (runs.length === 0) return { met: undefined, detail: 'not run' };
  const unjudged = runs.filter((r) => r.unresolved).map((r) => `${r.ruler.work} µs of known work read ${r.ruler.charged.toFixed(1)} µs`);
  const share = apiJudgedShare(runs);
  let detail;
  if (runs.length === 1) {
    const [r] = runs;
    detail = `${unjudged.length ? `not judged: ${unjudged[0]} in this run; ` : ''}${pct(r.rpsShare)} measured`;
    if (r.cpuShare) detail += `, ${pct(r.cpuShare)} by CPU time per request`;
  } else {
    const each = runs.map((r) => `${pct(kept(r))}${r.unresolved ? ' (not judged)' : ''}`).join(', ');
    detail = `${share === undefined ? 'no run judged' : `${pct(share)} by CPU time per request, the median of ${runs.length - unjudged.length} runs`} (runs: ${each})`;
    if (unjudged.length) detail += `; not judged: ${unjudged.join(', ')}`;
  }
  const pairs = runs.flatMap((r) => r.pairs ?? []);
  if (pairs.length) {
    const sameBuild = runs.map((r) => r.sameBuild).filter((x) => x !== undefined);
    const range = `${pct(Math.min(...pairs))} to ${pct(Math.max(...pairs))}${sameBuild.length ? `; switched off against itself: ${pct(Math.min(...sameBuild))}` : ''}`;
    // Over several runs, after the runs left out: said so, or it reads as the left-out run's.
    detail += runs.length === 1 ? ` (process against process: ${range})` : `; over all runs, process against process: ${range}`;
  }
  return { met: share === undefined ? undefined : share >= 0.92, detail };
}

/** What a target's detail adds when its figures are medians over several runs (`--comments-runs`, `--queue-runs`). */
function medianOfRuns(scenario) {
  return scenario?.runs ? `, the median of ${scenario.runs.length} runs` : '';
}

/**
 * The targets of docs/performance.md against what ran; `met` is undefined when the scenario did not run, or (the
 * api's) when the run's known work says it cannot resolve the difference.
 */
export function evaluateTargets(results) {
  const targets = [];
  const add = (name, met, detail) => targets.push({ name, met, detail });
  const express = results.http?.express?.rows;
  const fastify = results.http?.fastify?.rows;
  const us = (r) => (r ? `${r.added.toFixed(1)} µs` : 'not run');
  const noAccess = row(express, 'all-no-access-log');
  const all = row(express, 'all');
  const otel = row(express, 'otel');
  // The per-request target (issue #17): added req/s-derived µs, as always; the server's CPU per request beside it.
  const cpu = (r) => (r?.addedCpuMicros === undefined ? '' : `, ${r.addedCpuMicros.toFixed(1)} µs of server CPU`);
  add('Express, everything on without the access log: ≤ 30 µs added', noAccess && noAccess.added <= 30, us(noAccess));
  add('Express, everything on: ≤ 15 µs added', all && all.added <= 15, `${us(all)}${cpu(all)}`);
  add('Express, everything on costs less than OpenTelemetry', all && otel && all.added < otel.added, `${us(all)} vs ${us(otel)}`);
  // On top of OpenTelemetry the module reads the span instead of doing the work twice: it adds no more than alone.
  const otelAll = row(express, 'otel-all');
  const onTop = otelAll && otel ? { added: otelAll.added - otel.added } : undefined;
  add('Express, the module on top of OpenTelemetry adds no more than the module alone', onTop && all && onTop.added <= all.added, `${us(onTop)} vs ${us(all)}`);
  const fAll = row(fastify, 'all');
  add('Fastify, everything on: ≤ 15 µs added', fAll && fAll.added <= 15, `${us(fAll)}${cpu(fAll)}`);
  add('Fastify, everything on costs no more than on Express', fAll && all && fAll.added <= all.added, `${us(fAll)} vs ${us(all)}`);
  const api = apiTarget(results.api);
  add('Real api keeps ≥ 92 % of its throughput by CPU time per request (measured throughput beside it)', api.met, api.detail);
  const comments = row(results.comments?.rows, 'sqlCommentingClient, comments on');
  const overRuns = medianOfRuns(results.comments);
  add('Query comments add ≤ 2 % latency', comments && comments.addedPercent <= 2, comments ? `${comments.addedPercent.toFixed(2)} %${overRuns}` : 'not run');
  const addedCpu = comments?.addedCpuMicros;
  add('Query comments add ≤ 3 µs client CPU per statement', addedCpu === undefined ? undefined : addedCpu <= 3, addedCpu === undefined ? 'not run' : `${addedCpu.toFixed(2)} µs${overRuns}`);
  for (const library of [...new Set((results.queue?.rows ?? []).map((r) => r.library))]) {
    const queueRows = results.queue.rows.filter((r) => r.library === library);
    const queueOn = queueRows.find((r) => r.variant.endsWith(' on'));
    const queueOff = queueRows.find((r) => r.variant.endsWith(' off'));
    const workerCpu = queueOn?.workerCpuMicrosPerJob && queueOff?.workerCpuMicrosPerJob ? ` (worker CPU per job ${((queueOn.workerCpuMicrosPerJob / queueOff.workerCpuMicrosPerJob - 1) * 100).toFixed(1)} %)` : '';
    const queueRuns = medianOfRuns(results.queue);
    add(`Queue propagation and metrics cost < 5 % of jobs/s (${library})`, queueOn && queueOn.changePercent > -5, queueOn ? `${queueOn.changePercent.toFixed(1)} %${queueRuns}${workerCpu}` : 'not run');
  }
  if (!results.queue) add('Queue propagation and metrics cost < 5 % of jobs/s', undefined, 'not run');
  const exporter = results.exporter;
  add(
    "postgres_exporter costs PostgreSQL < 1 % of its CPU under the api's load (one scrape every 15 s)",
    exporter && exporter.sharePercent < 1,
    exporter ? `${exporter.sharePercent.toFixed(3)} % (${exporter.cpuMsPerScrape.toFixed(1)} ms of CPU per scrape; statements ${exporter.msPerScrape.toFixed(1)} ms by pg_stat_statements)` : 'not run',
  );
  const scrape = results.scrape?.rows?.filter((r) => r.target === 10_000);
  const worst = scrape?.length ? Math.max(...scrape.map((r) => r.median)) : undefined;
  add('/metrics with 10k series ≤ 20 ms', worst === undefined ? undefined : worst <= 20, worst === undefined ? 'not run' : `${worst.toFixed(1)} ms (median, slower format)`);
  return targets.map((t) => ({ ...t, met: t.met === undefined ? undefined : Boolean(t.met) }));
}
