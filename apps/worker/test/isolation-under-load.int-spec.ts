// 1,000 concurrent sync requests, each with its own id and its own repository, through the real api (a database
// read, then an enqueue) and the real worker (reads and writes): every response, log line, SQL statement and job
// must carry its own request's id and name only its own repository. The check reads the apps' real stdout, the
// PostgreSQL statement log and the sync_runs table.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AppProcess } from '../../../tools/testing/app-process.js';
import { QUEUE_LIBRARIES, queueEnv } from '../../../tools/testing/queue-library.js';
import { waitFor } from '../../../tools/testing/log-capture.js';

const REQUESTS = Number(process.env.ISOLATION_REQUESTS ?? 1000);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

describe.each(QUEUE_LIBRARIES)(`${REQUESTS} concurrent requests (%s)`, (library) => {
  const run = randomBytes(4).toString('hex');
  const requestIds = Array.from({ length: REQUESTS }, (_, i) => `iso-${run}-${i}`);
  /** request id → its repository, and back. */
  const repoOf = new Map<string, string>();
  const requestOf = new Map<string, string>();
  let api: AppProcess;
  let worker: AppProcess;
  let db: pg.Client;
  let pgLogOffset = 0;
  const responses: Array<{ sent: string; status: number; header: string | null; body: { request_id?: string; jobId?: string } }> = [];

  beforeAll(async () => {
    const env = { DATABASE_URL: process.env.TEST_DATABASE_URL!, ...queueEnv(library, process.env.TEST_REDIS_URL!), LOG_LEVEL: 'info' };
    [api, worker] = await Promise.all([AppProcess.start('api', env), AppProcess.start('worker', { ...env, SYNC_WORK_MS: '0' })]);
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
    const created = await db.query<{ id: string }>(
      `INSERT INTO repositories (name, url) SELECT 'iso-' || $1 || '-' || g, 'https://example.com/iso/' || g FROM generate_series(1, $2) AS g RETURNING id`,
      [run, REQUESTS],
    );
    requestIds.forEach((id, i) => {
      repoOf.set(id, created.rows[i].id);
      requestOf.set(created.rows[i].id, id);
    });
    pgLogOffset = statSync(process.env.TEST_PG_LOG_FILE!).size;

    // All at once (fetch's default pool opens a connection per request in flight).
    await Promise.all(
      requestIds.map(async (sent) => {
        const res = await fetch(`${api.url}/api/v1/repositories/${repoOf.get(sent)}/sync`, {
          method: 'POST',
          headers: { 'X-Request-ID': sent },
        });
        responses.push({ sent, status: res.status, header: res.headers.get('x-request-id'), body: (await res.json()) as { request_id?: string } });
      }),
    );
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_runs WHERE request_id LIKE $1`, [`iso-${run}-%`]);
      if (rows[0].n >= REQUESTS) break;
      if (Date.now() > deadline) throw new Error(`only ${rows[0].n} of ${REQUESTS} jobs done within 120 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // The last lines of the last jobs reach stdout just after their row is written.
    const completed = () => worker.lines.filter((l) => l.msg === 'job completed' && String(l.request_id).startsWith(`iso-${run}-`)).length;
    await waitFor(() => completed() >= REQUESTS, 'every job completed', 20_000);
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  it('answers every request with its own id, in the header and the body', () => {
    expect(responses).toHaveLength(REQUESTS);
    const wrong = responses.filter((r) => r.status !== 202 || r.header !== r.sent || r.body.request_id !== r.sent);
    expect(wrong).toEqual([]);
  });

  /** Log lines of this run: each must name only its own request's repository (in its message, path or job). */
  function crossedLines(app: AppProcess): Array<Record<string, unknown>> {
    return app.lines
      .filter((l) => typeof l.request_id === 'string' && l.request_id.startsWith(`iso-${run}-`))
      .filter((l) => {
        const own = repoOf.get(l.request_id as string);
        const named = JSON.stringify({ msg: l.msg, path: l.path }).match(UUID) ?? [];
        return named.some((repo) => requestOf.has(repo) && repo !== own);
      });
  }

  it('writes api log lines that carry their own id and name only their own repository', () => {
    expect(crossedLines(api)).toEqual([]);
    const access = api.lines.filter((l) => l.msg === 'request completed' && String(l.request_id).startsWith(`iso-${run}-`));
    expect(access).toHaveLength(REQUESTS);
    expect(access.filter((l) => l.path !== `/api/v1/repositories/${repoOf.get(l.request_id)}/sync`)).toEqual([]);
  });

  it('runs each job under the id of the request that queued it, once', async () => {
    expect(crossedLines(worker)).toEqual([]);
    const started = worker.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('sync of repository ') && l.msg.endsWith(' started'));
    const mine = started.filter((l) => String(l.request_id).startsWith(`iso-${run}-`));
    expect(mine).toHaveLength(REQUESTS);
    const jobOf = new Map(responses.map((r) => [r.sent, r.body.jobId]));
    expect(mine.filter((l) => l.job_id !== jobOf.get(l.request_id))).toEqual([]);
    const { rows } = await db.query<{ request_id: string; repository_id: string }>(
      `SELECT request_id, repository_id FROM sync_runs WHERE request_id LIKE $1`,
      [`iso-${run}-%`],
    );
    expect(rows).toHaveLength(REQUESTS);
    expect(rows.filter((r) => repoOf.get(r.request_id) !== r.repository_id)).toEqual([]);
  });

  it('sends PostgreSQL statements whose comment names the request whose repository they touch', () => {
    const log = readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8').slice(pgLogOffset).split('\n');
    let checked = 0;
    const crossed: string[] = [];
    for (let i = 0; i < log.length; i++) {
      const id = /request_id='(iso-[0-9a-f]+-\d+)'/.exec(log[i])?.[1];
      if (!id?.startsWith(`iso-${run}-`)) continue;
      // The parameters of an extended-protocol statement follow on the next line.
      const detail = log[i + 1]?.includes('parameters:') ? log[i + 1] : '';
      for (const repo of `${log[i]} ${detail}`.match(UUID) ?? []) {
        if (!requestOf.has(repo)) continue;
        checked++;
        if (repo !== repoOf.get(id)) crossed.push(`${log[i]}\n${detail}`);
      }
    }
    expect(crossed).toEqual([]);
    // The api's read, the worker's read, insert and update: at least four per request name the repository.
    expect(checked).toBeGreaterThanOrEqual(4 * REQUESTS);
  });
});
