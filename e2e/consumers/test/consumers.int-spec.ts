import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../../../tools/testing/app-process.js';
import { waitFor } from '../../../tools/testing/log-capture.js';
import { CONSUMERS, installConsumer, nodeBinary, packLibrary } from '../consumers.mjs';

type Consumer = keyof typeof CONSUMERS;
type Row = [Consumer, 'express' | 'fastify', number];

// The whole matrix runs in `npm test`; CONSUMER_MATRIX=nest12-esm (names, adapters or node majors, comma separated)
// narrows it while working on one row.
const filter = (process.env.CONSUMER_MATRIX ?? '').split(',').filter(Boolean);
const rows: Row[] = (Object.entries(CONSUMERS) as Array<[Consumer, (typeof CONSUMERS)[Consumer]]>)
  .flatMap(([name, { nodes }]) =>
    nodes.flatMap((node) => (node === 24 ? (['express', 'fastify'] as const) : (['express'] as const)).map((adapter): Row => [name, adapter, node])),
  )
  .filter((row) => filter.length === 0 || row.every((part) => filter.includes(String(part))) || filter.some((f) => row.map(String).includes(f)));

const dirs = new Map<Consumer, string>();
beforeAll(() => {
  const { tarball } = packLibrary();
  for (const name of new Set(rows.map(([n]) => n))) dirs.set(name, installConsumer(name, tarball));
}, 600_000);

/** Lines PostgreSQL logged for statements, from the harness's statement log. */
function statementsWith(text: string): string[] {
  return readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8')
    .split('\n')
    .filter((line) => line.includes(text));
}

describe.each(rows)('%s on %s, Node %i, installed from the tarball', (consumer, adapter, node) => {
  let app: AppProcess;
  const id = (what: string) => `${consumer}-${adapter}-${node}-${what}`;

  beforeAll(async () => {
    const dir = dirs.get(consumer)!;
    app = await AppProcess.start(
      `${consumer}/${adapter}`,
      { DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: process.env.TEST_REDIS_URL!, HTTP_ADAPTER: adapter, LOG_LEVEL: 'info' },
      { script: join(dir, 'dist/main.js'), cwd: dir, node: nodeBinary(node), readyPath: '/injected' },
    );
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('echoes a valid X-Request-ID and logs the access and app lines under it', async () => {
    const res = await fetch(`${app.url}/hello/ada`, { headers: { 'X-Request-ID': id('hello') } });
    expect(res.headers.get('x-request-id')).toBe(id('hello'));
    expect(await res.json()).toEqual({ hello: 'ada', request_id: id('hello') });
    const access = await app.waitForLine((l) => l.request_id === id('hello') && l.msg === 'request completed', 'access line');
    expect(access).toMatchObject({ method: 'GET', route: '/hello/:name', status_code: 200, service: 'consumer' });
    expect(app.find((l) => l.request_id === id('hello') && l.msg === 'saying hello to ada')).toMatchObject({ context: 'GreetingsController' });
  });

  it('generates an id when none (or an invalid one) arrives', async () => {
    const res = await fetch(`${app.url}/hello/bob`, { headers: { 'X-Request-ID': 'not valid!' } });
    const generated = res.headers.get('x-request-id')!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await res.json()) as { request_id: string }).request_id).toBe(generated);
  });

  it('answers an error with its id and logs it with stack and fingerprint', async () => {
    const res = await fetch(`${app.url}/boom`, { headers: { 'X-Request-ID': id('boom') } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, message: 'Internal server error', request_id: id('boom') });
    const error = await app.waitForLine((l) => l.request_id === id('boom') && l.level === 50, 'error line');
    expect(error.err).toMatchObject({ type: 'Error', message: 'consumer boom' });
    expect(error.err.stack).toContain('GreetingsController.boom');
    expect(error.error_fingerprint).toMatch(/^[0-9a-f]{16,}$/);
  });

  it('comments the SQL it sends with the request id, as PostgreSQL saw it', async () => {
    const res = await fetch(`${app.url}/db`, { headers: { 'X-Request-ID': id('sql') } });
    expect(await res.json()).toEqual({ one: 1 });
    const seen = await waitFor(() => statementsWith(`request_id='${id('sql')}'`)[0], 'the commented statement in the PostgreSQL log');
    expect(seen).toMatch(/SELECT 1 AS one \/\*application='consumer',request_id='[^']+',route='%2Fdb'\*\//);
  });

  it('restores the request context inside the Bull processor, for its logs and its SQL', async () => {
    const res = await fetch(`${app.url}/jobs`, { method: 'POST', headers: { 'X-Request-ID': id('job') } });
    expect(res.status).toBe(201);
    const { jobId } = (await res.json()) as { jobId: string };
    const line = await app.waitForLine((l) => l.msg === `greeting processor for ${id('job')}`, 'processor line');
    expect(line).toMatchObject({ request_id: id('job'), job_id: jobId, queue: 'greetings', job_name: 'greet', attempt: 1 });
    await app.waitForLine((l) => l.request_id === id('job') && l.msg === 'job completed', 'job completed line');
    expect(statementsWith(`request_id='${id('job')}'`).some((s) => s.includes('SELECT 2 AS two'))).toBe(true);
  });

  it('restores the request context inside the BullMQ processor (WorkerHost), for its logs and its SQL', async () => {
    const res = await fetch(`${app.url}/mq-jobs`, { method: 'POST', headers: { 'X-Request-ID': id('mq-job') } });
    expect(res.status).toBe(201);
    const { jobId } = (await res.json()) as { jobId: string };
    const line = await app.waitForLine((l) => l.msg === `farewell to processor for ${id('mq-job')}`, 'BullMQ processor line');
    expect(line).toMatchObject({ request_id: id('mq-job'), job_id: jobId, queue: 'farewells', job_name: 'farewell', attempt: 1, context: 'FarewellsProcessor' });
    await app.waitForLine((l) => l.request_id === id('mq-job') && l.msg === 'job completed' && l.queue === 'farewells', 'job completed line');
    expect(statementsWith(`request_id='${id('mq-job')}'`).some((s) => s.includes('SELECT 3 AS three'))).toBe(true);
  });

  it('serves one /metrics with its own and @willsoto/nestjs-prometheus’s metrics, exemplars in OpenMetrics', async () => {
    await fetch(`${app.url}/hello/exemplar`, { headers: { 'X-Request-ID': id('exemplar') } });
    await app.waitForLine((l) => l.request_id === id('exemplar') && l.msg === 'request completed', 'access line');
    const res = await fetch(`${app.url}/metrics`, { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(res.headers.get('content-type')).toContain('application/openmetrics-text');
    const body = await res.text();
    expect(body).toContain('http_requests_total{method="GET",route="/hello/:name",status_code="200"}');
    expect(body).toMatch(new RegExp(`http_request_duration_seconds_bucket\\{[^}]*route="/hello/:name"[^}]*\\} \\d+ # \\{request_id="${id('exemplar')}"\\}`));
    expect(body).toMatch(/consumer_errors_total\{endpoint="\/boom",status_code="500",error_type="Error"\} 1/);
    // The team's own metric, registered through @willsoto/nestjs-prometheus.
    expect(body).toMatch(/^consumer_greetings_total \d+/m);
    expect(body.match(/^# TYPE process_cpu_user_seconds counter$/gm)).toHaveLength(1);
    expect(body.trimEnd().endsWith('# EOF')).toBe(true);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/^consumer_greetings_total \d+/m);
    expect(text).toContain('# TYPE http_requests_total counter');
  });

  it('says at start-up which endpoint serves the metrics', () => {
    const line = app.find((l) => typeof l.msg === 'string' && l.msg.startsWith('metrics: GET /metrics'));
    expect(line?.msg).toContain("PrometheusController's route /metrics is answered by ObservabilityModule");
  });

  it('gives its own metrics to @InjectMetric like the team’s', async () => {
    expect(await (await fetch(`${app.url}/injected`)).json()).toEqual({ metric: 'http_requests_total' });
  });

  it('printed no crash, warning or unhandled rejection', () => {
    expect(app.crashReports()).toEqual([]);
    expect(app.stderr.join('')).toBe('');
  });
});
