import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bull';
import { REPOSITORY_SYNC_QUEUE } from '@commandcenter/domain';
import type { Queue } from 'bull';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { startApi, type ApiApp } from './support/api-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 };

interface Answer {
  status: number;
  id: string | null;
  body: any;
  text: string;
}

async function call(api: ApiApp, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, id: res.headers.get('x-request-id'), body: parsed, text };
}

async function counter(api: ApiApp, name: string, labels: Record<string, string>): Promise<number> {
  const metric = api.registry.getSingleMetric(name);
  if (!metric) return 0;
  const values = (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val));
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** The api, on a real PostgreSQL, through one adapter. */
export function describeApi(adapter: 'express' | 'fastify'): void {
  describe(`api on ${adapter}`, () => {
    const logs = new CaptureStream();
    let api: ApiApp;

    beforeAll(async () => {
      api = await startApi(adapter, logs);
    });
    afterAll(async () => {
      await api?.close();
    });
    beforeEach(() => logs.clear());

    it('creates, reads, lists and deletes repositories in PostgreSQL, with the id on every line', async () => {
      const created = await call(api, 'POST', '/api/v1/repositories', { 'X-Request-ID': `create-${adapter}` }, {
        name: 'commandcenter',
        url: 'https://github.com/example/commandcenter',
      });
      expect(created.status).toBe(201);
      expect(created.id).toBe(`create-${adapter}`);
      expect(created.body).toMatchObject({ name: 'commandcenter', lastSyncedAt: null });
      expect(created.body.id).toMatch(UUID);
      const line = logs.lines.find((l) => l.msg === `repository ${created.body.id} created`);
      expect(line).toMatchObject({ request_id: `create-${adapter}`, context: 'RepositoriesService', service: 'api' });

      const read = await call(api, 'GET', `/api/v1/repositories/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body.url).toBe('https://github.com/example/commandcenter');
      const list = await call(api, 'GET', '/api/v1/repositories?limit=200');
      expect(list.body.map((r: { id: string }) => r.id)).toContain(created.body.id);

      expect((await call(api, 'DELETE', `/api/v1/repositories/${created.body.id}`)).status).toBe(204);
      const gone = await call(api, 'GET', `/api/v1/repositories/${created.body.id}`, { 'X-Request-ID': `gone-${adapter}` });
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ statusCode: 404, request_id: `gone-${adapter}` });
    });

    it('queues a sync with 202, the job id and the request id; the job carries the context', async () => {
      const repo = await call(api, 'POST', '/api/v1/repositories', {}, { name: 'to-sync', url: 'https://example.com/s' });
      const res = await call(api, 'POST', `/api/v1/repositories/${repo.body.id}/sync`, { 'X-Request-ID': `sync-${adapter}` });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ jobId: expect.any(String), request_id: `sync-${adapter}` });
      const queue = api.app.get<Queue>(getQueueToken(REPOSITORY_SYNC_QUEUE));
      const job = await queue.getJob(res.body.jobId);
      expect(job?.data).toEqual({ repositoryId: repo.body.id });
      expect(job?.opts).toMatchObject({
        attempts: 3,
        observabilityContext: { request_id: `sync-${adapter}`, service: 'api', route: '/api/v1/repositories/:id/sync' },
      });
      const read = await call(api, 'GET', `/api/v1/repositories/${repo.body.id}`);
      expect(read.body).toMatchObject({ lastSyncedAt: null, latestSyncRun: null });
    });

    it('answers a sync of an unknown repository with 404 and the request id', async () => {
      const res = await call(api, 'POST', '/api/v1/repositories/7f3e2b9c-1d5a-4c8e-9f0b-2a6d4e8c1b3f/sync', { 'X-Request-ID': 'sync-404' });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, request_id: 'sync-404' });
    });

    it('echoes a valid id and generates one when absent', async () => {
      expect((await call(api, 'GET', '/health/live', { 'X-Request-ID': 'ops-42' })).id).toBe('ops-42');
      expect((await call(api, 'GET', '/health/live')).id).toMatch(UUID);
    });

    it('replaces a non-ASCII id sent as raw bytes', async () => {
      const { request } = await import('node:http');
      const id = await new Promise<string | undefined>((resolve, reject) => {
        const req = request(`${api.url}/health/live`, { headers: { 'X-Request-ID': 'idé-ünï' } }, (res) => {
          res.resume();
          resolve(res.headers['x-request-id'] as string | undefined);
        });
        req.on('error', reject);
        req.end();
      });
      expect(id).toMatch(UUID);
    });

    it.each([["x*/ OR true /*"], [`"quoted'`], ['a'.repeat(200)], ['two words'], ['']])(
      'replaces the hostile id %j',
      async (hostile) => {
        const res = await call(api, 'GET', '/api/v1/repositories?limit=1', { 'X-Request-ID': hostile });
        expect(res.status).toBe(200);
        expect(res.id).toMatch(UUID);
        const access = await waitFor(() => logs.lines.find((l) => l.msg === 'request completed' && l.request_id === res.id), 'access line');
        expect(access.route).toBe('/api/v1/repositories');
      },
    );

    it('answers bad bodies with 400 and the request id', async () => {
      const res = await call(api, 'POST', '/api/v1/repositories', { 'X-Request-ID': 'bad-body' }, { name: '', url: 'nope', extra: 1 });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', request_id: 'bad-body' });
      expect(res.body.message).toEqual(expect.arrayContaining(['url must be a URL address']));
      const malformed = await call(api, 'POST', '/api/v1/repositories', { 'X-Request-ID': 'bad-json' }, '{"name":');
      expect(malformed.status).toBe(400);
      expect(malformed.body.request_id).toBe('bad-json');
      const badUuid = await call(api, 'GET', '/api/v1/repositories/not-a-uuid', { 'X-Request-ID': 'bad-uuid' });
      expect(badUuid.status).toBe(400);
      expect(badUuid.body.request_id).toBe('bad-uuid');
    });

    it('answers unknown routes with 404, the id in header and body', async () => {
      const res = await call(api, 'GET', '/api/v2/nothing', { 'X-Request-ID': 'nf-api' });
      expect(res.status).toBe(404);
      expect(res.id).toBe('nf-api');
      expect(res.body).toMatchObject({ statusCode: 404, request_id: 'nf-api' });
    });

    it('answers the test error with a generic 500, logs the stack, counts it by route template', async () => {
      const labels = { endpoint: '/api/v1/trigger-test-error', status_code: '500', error_type: 'TestError' };
      const before = await counter(api, 'commandcenter_errors_total', labels);
      const res = await call(api, 'GET', '/api/v1/trigger-test-error', { 'X-Request-ID': 'drill-1' });
      expect(res.status).toBe(500);
      expect(res.id).toBe('drill-1');
      expect(res.body).toEqual({ statusCode: 500, message: 'Internal server error', request_id: 'drill-1' });
      const line = logs.lines.find((l) => l.request_id === 'drill-1' && l.level === LEVEL.error);
      expect(line).toMatchObject({ route: '/api/v1/trigger-test-error', method: 'GET', status_code: 500 });
      expect(line!.err).toMatchObject({ type: 'TestError', message: 'test error triggered on purpose' });
      expect(line!.err.stack).toContain('TriggerTestErrorController.trigger');
      expect(await counter(api, 'commandcenter_errors_total', labels)).toBe(before + 1);
    });

    it('keeps 300 random unmatched paths to at most 3 new series', async () => {
      const series = async () => (await api.registry.getSingleMetric('http_requests_total')!.get()).values.length;
      const before = await series();
      for (let i = 0; i < 300; i++) await call(api, i % 2 ? 'GET' : 'POST', `/${Math.random().toString(36).slice(2)}/${i}`);
      expect((await series()) - before).toBeLessThanOrEqual(3);
    });

    it('gives 200 concurrent requests their own ids, and each id only its own log lines', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => `${adapter}-conc-${i}`);
      const answers = await Promise.all(
        ids.map((id, i) => call(api, 'POST', '/api/v1/repositories', { 'X-Request-ID': id }, { name: `r${i}`, url: `https://example.com/r/${i}` })),
      );
      answers.forEach((a, i) => {
        expect(a.status).toBe(201);
        expect(a.id).toBe(ids[i]);
      });
      await waitFor(() => ids.every((id) => logs.lines.some((l) => l.request_id === id && l.msg === 'request completed')), 'access lines');
      answers.forEach((a, i) => {
        // Under load an INSERT may cross the slow-query threshold: that warning is this request's too.
        const lines = logs.forRequest(ids[i]).filter((l) => l.msg !== 'slow query' || /^(INSERT|START|COMMIT)/.test(l.statement));
        const own = lines.filter((l) => l.msg !== 'slow query');
        expect(lines).toHaveLength(logs.forRequest(ids[i]).length);
        expect(own.map((l) => l.msg).sort()).toEqual([`repository ${a.body.id} created`, 'request completed'].sort());
      });
    });

    it('reports readiness with the database and serves /metrics', async () => {
      const health = await call(api, 'GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok', checks: { database: 'up', redis: 'up' } });
      const metrics = await call(api, 'GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('http_request_duration_seconds_bucket');
      expect(metrics.text).toContain('process_cpu_user_seconds_total');
    });
  });
}
