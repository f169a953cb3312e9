import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../../../tools/testing/app-process.js';

const root = join(import.meta.dirname, '../../..');
const env = () => ({ DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: process.env.TEST_REDIS_URL! });
// The real OpenTelemetry SDK, registered before the app loads (the bench's setup: http and express instrumentation,
// AsyncLocalStorage context, W3C propagation, every span sampled).
const underOpenTelemetry = (app: 'api' | 'worker') => ({
  script: join(root, 'dist/apps', app, 'main.js'),
  nodeArgs: ['--import', join(root, 'tools/bench/otel.mjs')],
});

async function create(api: AppProcess, name: string, headers: Record<string, string>): Promise<{ id: string; line: Record<string, any> }> {
  const res = await fetch(`${api.url}/api/v1/repositories`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name, url: `https://example.com/${name}` }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  return { id, line: await api.waitForLine((l) => l.msg === `repository ${id} created`, 'the service line') };
}

describe.each(['express', 'fastify'] as const)('the api under OpenTelemetry (%s)', (adapter) => {
  let api: AppProcess;

  beforeAll(async () => {
    api = await AppProcess.start('api', { ...env(), HTTP_ADAPTER: adapter }, underOpenTelemetry('api'));
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('continues the incoming trace: the line has its trace id, a span id of its own and the flags', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { line } = await create(api, `otel-continued-${adapter}`, { 'X-Request-ID': `otel-1-${adapter}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(line).toMatchObject({ request_id: `otel-1-${adapter}`, trace_id: traceId, trace_flags: '01' });
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(line.span_id).not.toBe('00f067aa0ba902b7');
  });

  it('puts the trace the SDK started on the service line, the access line and the request-duration exemplar', async () => {
    const { line } = await create(api, `otel-new-${adapter}`, { 'X-Request-ID': `otel-2-${adapter}` });
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const access = await api.waitForLine((l) => l.request_id === `otel-2-${adapter}` && l.msg === 'request completed', 'the access line');
    expect(access.trace_id).toBe(line.trace_id);
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } })).text();
    expect(metrics).toContain(`# {request_id="otel-2-${adapter}",trace_id="${line.trace_id}"}`);
  });

  it('logs an error under the span that answered it', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${api.url}/api/v1/trigger-test-error`, { headers: { 'X-Request-ID': `otel-err-${adapter}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(res.status).toBe(500);
    const error = await api.waitForLine((l) => l.request_id === `otel-err-${adapter}` && l.level === 50, 'the error line');
    expect(error).toMatchObject({ trace_id: traceId, trace_flags: '01' });
    expect(error.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(error.error_fingerprint).toBeTruthy();
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } })).text();
    expect(metrics).toMatch(new RegExp(`commandcenter_errors_total\\{[^}]*\\} \\d+ # \\{request_id="otel-err-${adapter}",trace_id="${traceId}"\\}`));
  });

  it('keeps lines outside any span free of span fields', () => {
    const started = api.find((l) => l.msg === 'Nest application successfully started');
    expect(started).toBeDefined();
    expect(started).not.toHaveProperty('span_id');
  });
});

interface EndedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  statement?: string;
}

// Here the pg instrumentation runs too, with its own sqlcommenter comments on, and each process writes its spans.
describe('api → Bull → worker under OpenTelemetry, with the pg instrumentation', () => {
  let api: AppProcess;
  let worker: AppProcess;
  const spansDir = mkdtempSync(join(tmpdir(), 'otel-spans-'));
  const tracing = (app: string) => ({ OTEL_INSTRUMENT_PG: 'sqlcommenter', OTEL_SPANS_FILE: join(spansDir, `${app}.jsonl`) });
  const spansOf = (app: string): EndedSpan[] =>
    readFileSync(join(spansDir, `${app}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as EndedSpan);

  beforeAll(async () => {
    [api, worker] = await Promise.all([
      AppProcess.start('api', { ...env(), ...tracing('api') }, underOpenTelemetry('api')),
      AppProcess.start('worker', { ...env(), ...tracing('worker'), SYNC_WORK_MS: '0' }, underOpenTelemetry('worker')),
    ]);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  it('carries one trace from the request into the worker’s lines and the SQL it sends', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const { id } = await create(api, 'otel-sync', {});
    const res = await fetch(`${api.url}/api/v1/repositories/${id}/sync`, {
      method: 'POST',
      headers: { 'X-Request-ID': 'otel-sync-1', traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    expect(res.status).toBe(202);
    const queued = await api.waitForLine((l) => l.request_id === 'otel-sync-1' && /queued as job/.test(l.msg), 'the queued line');
    expect(queued.trace_id).toBe(traceId);
    const started = await worker.waitForLine((l) => l.msg === `sync of repository ${id} started`, 'the worker line', 15_000);
    // The worker runs the job under the api span that enqueued it.
    expect(started).toMatchObject({ request_id: 'otel-sync-1', trace_id: traceId, span_id: queued.span_id });
    await worker.waitForLine((l) => l.msg === 'job completed' && l.request_id === 'otel-sync-1', 'job completed', 15_000);
    const statements = readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8')
      .split('\n')
      .filter((l) => l.includes("request_id='otel-sync-1'"));
    const insert = statements.find((l) => l.includes('INSERT INTO "sync_runs"'));
    expect(insert).toContain(`traceparent='00-${traceId}-`);
    // One comment each, in the api and the worker: the pg instrumentation adds none to a statement that has ours.
    expect(statements.length).toBeGreaterThan(1);
    for (const statement of statements) expect(statement.split('/*').length - 1).toBe(1);
    // The comment names the span that sent the statement: the parent of the pg instrumentation's span for it.
    const parentId = new RegExp(`traceparent='00-${traceId}-([0-9a-f]{16})-01'`).exec(insert!)?.[1];
    expect(parentId).toBe(queued.span_id);
    const [querySpan] = await waitForSpans(() => spansOf('worker').filter((s) => s.statement?.includes('INSERT INTO "sync_runs"') && s.traceId === traceId), 1);
    expect(querySpan).toMatchObject({ traceId, parentSpanId: parentId });
  });

  it('names the span that sent them in each statement of a request’s transaction, not the pool’s or the server’s', async () => {
    const traceId = '1af7651916cd43dd8448eb211c80319c';
    const { line } = await create(api, 'otel-transaction', { 'X-Request-ID': 'otel-tx-1', traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    const statements = readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8')
      .split('\n')
      .filter((l) => l.includes("request_id='otel-tx-1'") && /statement: |execute /.test(l));
    // START TRANSACTION, the INSERT and COMMIT: each names the handler's span, the one the service line names.
    expect(statements.map((l) => /(START TRANSACTION|INSERT INTO|COMMIT)/.exec(l)?.[1])).toEqual(['START TRANSACTION', 'INSERT INTO', 'COMMIT']);
    for (const statement of statements) expect(statement).toContain(`traceparent='00-${traceId}-${line.span_id}-01'`);
    // The pg instrumentation made a span of its own for each, a child of that span; pg-pool's connect span is another.
    const spans = await waitForSpans(() => spansOf('api').filter((s) => s.traceId === traceId && s.name.startsWith('pg.query:')), 3);
    expect(spans.map((s) => s.parentSpanId)).toEqual([line.span_id, line.span_id, line.span_id]);
    const others = spansOf('api').filter((s) => s.traceId === traceId && s.spanId === line.span_id);
    expect(others.map((s) => s.name)).toEqual(['request handler']);
  });
});

/** The spans `find` returns once there are `count` of them (the exporters write them as they end), or after 5 s. */
async function waitForSpans(find: () => EndedSpan[], count: number): Promise<EndedSpan[]> {
  let spans: EndedSpan[] = [];
  for (let i = 0; i < 50 && spans.length < count; i++) {
    spans = find();
    if (spans.length < count) await new Promise((r) => setTimeout(r, 100));
  }
  return spans;
}
