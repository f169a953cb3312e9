import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CLS_ID, ClsServiceManager } from 'nestjs-cls';
import pg from 'pg';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { runWithRequestId, sqlCommentingClient } from '../src/index.js';
import { addComment, serializeSqlComment } from '../src/lib/database/sqlcommenter.js';
import { startDatabaseApp, type DatabaseApp } from './support/database-app.js';

const databaseUrl = () => process.env.TEST_DATABASE_URL!;
const serverLog = () => readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8');
/** A value as sqlcommenter encodes it: encodeURIComponent plus !'()*. */
const encode = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The server's log lines (every statement is logged, with its comment) that carry `fragment`. */
async function loggedStatements(fragment: string, atLeast = 1): Promise<string[]> {
  return waitFor(() => {
    const lines = serverLog().split('\n').filter((l) => l.includes(fragment) && /(statement|execute [^:]*):/.test(l));
    return lines.length >= atLeast ? lines : undefined;
  }, `server log lines with ${fragment}`);
}

/** A commenting client of its own, connected; `asRequest` puts a raw id in the context, validation out of the way. */
async function connectedCommentingClient(application: string): Promise<pg.Client> {
  const Commenting = sqlCommentingClient({ application });
  const commenting = new Commenting({ connectionString: databaseUrl() });
  await commenting.connect();
  return commenting;
}

function asRequest<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const cls = ClsServiceManager.getClsService();
  return cls.run(() => {
    cls.set(CLS_ID, id);
    return fn();
  });
}

async function get(app: DatabaseApp, path: string, requestId: string) {
  const res = await fetch(`${app.url}${path}`, { headers: { 'X-Request-ID': requestId } });
  expect(res.status).toBe(200);
  return res.json();
}

describe('SQL comments on a real PostgreSQL', () => {
  const logs = new CaptureStream();
  let app: DatabaseApp;

  beforeAll(async () => {
    app = await startDatabaseApp(databaseUrl(), logs, 1);
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach(() => logs.clear());

  it.each([
    ['find', '/db/find/a', 'FROM "observability_items"'],
    ['builder', '/db/builder/a', 'FROM "observability_items"'],
    ['raw', '/db/raw/a', 'raw_probe'],
    ['transaction', '/db/transaction/a', 'INSERT INTO "observability_items"'],
    ['stream', '/db/stream/a', 'stream_probe'],
  ])('comments a statement sent through %s with the request id, application and route', async (kind, path, fragment) => {
    const id = `sql-${kind}-1`;
    await get(app, path, id);
    const lines = await loggedStatements(`request_id='${id}'`);
    const line = lines.find((l) => l.includes(fragment));
    expect(line).toBeDefined();
    const route = encode(path.replace(/\/a$/, '/:marker'));
    expect(line).toContain(`/*application='db-test',request_id='${id}',route='${route}'*/`);
  });

  it('carries the request’s traceparent and tracestate in the comment, as PostgreSQL saw it', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await fetch(`${app.url}/db/raw/t`, {
      headers: { 'X-Request-ID': 'sql-trace-1', traceparent, tracestate: 'rojo=00f067aa0ba902b7, Bad=1,congo=t61rcWkgMzE' },
    });
    expect(res.status).toBe(200);
    const [line] = await loggedStatements(`request_id='sql-trace-1'`);
    expect(line).toContain(`,traceparent='${traceparent}',tracestate='${encode('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE')}'*/`);
  });

  it('comments the transaction statements themselves', async () => {
    await get(app, '/db/transaction/b', 'sql-tx-2');
    const lines = await loggedStatements(`request_id='sql-tx-2'`, 3);
    expect(lines.some((l) => l.includes('START TRANSACTION'))).toBe(true);
    expect(lines.some((l) => l.includes('COMMIT'))).toBe(true);
  });

  it('puts every statement under the id of the request that sent it, with a pool of one and 50 requests at once', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `pool1-${i}`);
    await Promise.all(ids.map((id) => get(app, `/db/echo/${id}`, id)));
    const log = await waitFor(() => {
      const text = serverLog();
      return ids.every((id) => text.includes(`request_id='${id}'`)) ? text : undefined;
    }, 'all 50 statements');
    const lines = log.split('\n');
    let checked = 0;
    lines.forEach((line, i) => {
      const match = /execute <unnamed>: SELECT \$1::text AS echo_probe \/\*.*request_id='(pool1-\d+)'/.exec(line);
      if (!match) return;
      const parameters = /DETAIL:\s+parameters: \$1 = '([^']*)'/.exec(lines[i + 1] ?? '');
      expect(parameters?.[1]).toBe(match[1]);
      checked++;
    });
    expect(checked).toBeGreaterThanOrEqual(50);
  });

  it('keeps one pg_stat_statements row for the same statement sent by 20 requests with distinct ids', async () => {
    for (let i = 0; i < 20; i++) await get(app, `/db/find/m${i}`, `pss-${i}`);
    const stats = await app.dataSource.query(
      `SELECT count(DISTINCT queryid)::int AS ids, sum(calls)::int AS calls FROM pg_stat_statements
       WHERE query LIKE 'SELECT "Item"."id" AS "Item_id", "Item"."name" AS "Item_name" FROM "observability_items" "Item" WHERE%'`,
    );
    expect(stats[0].ids).toBe(1);
    expect(stats[0].calls).toBeGreaterThanOrEqual(20);
  });

  it('times statements by operation, counts errors by SQLSTATE, warns on slow ones without their parameters', async () => {
    const before = await app.registry.getSingleMetric('db_query_duration_seconds')!.get();
    const count = (data: typeof before) =>
      data.values.find((v) => (v as { metricName?: string }).metricName === 'db_query_duration_seconds_count' && v.labels.operation === 'select')?.value ?? 0;
    await get(app, '/db/raw/x', 'metrics-1');
    expect(count(await app.registry.getSingleMetric('db_query_duration_seconds')!.get())).toBeGreaterThan(count(before));

    expect((await fetch(`${app.url}/db/broken`, { headers: { 'X-Request-ID': 'broken-1' } })).status).toBe(500);
    const errors = await app.registry.getSingleMetric('db_query_errors_total')!.get();
    expect(errors.values).toContainEqual(expect.objectContaining({ labels: { operation: 'select', sqlstate: '42P01' }, value: 1 }));

    await get(app, '/db/slow', 'slow-1');
    const slow = logs.lines.find((l) => l.msg === 'slow query');
    expect(slow).toMatchObject({ request_id: 'slow-1', operation: 'select', level: 40 });
    expect(slow!.duration_ms).toBeGreaterThanOrEqual(200);
    expect(slow!.statement).toContain('slow_probe');
    expect(JSON.stringify(logs.lines)).not.toContain('hunter2-secret');

    const pool = await app.registry.getSingleMetric('db_pool_connections')!.get();
    expect(pool.values.find((v) => v.labels.state === 'total')?.value).toBe(1);
    expect(pool.values.map((v) => v.labels.state).sort()).toEqual(['idle', 'total', 'waiting']);
  });
});

describe('the encoder against PostgreSQL itself', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });

  it('keeps any id inert: the commented statement runs, answers the same and keeps its queryid (5,000 ids)', async () => {
    const statement = 'SELECT $1::int + 1 AS encoder_probe';
    const plain = await client.query(statement, [41]);
    const ids = fc.sample(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.constantFrom("x*/ OR true /*", "x*/; DROP TABLE t; /*", 'abc/*', "'; --", '\n\r\t', 'ünïcødé ✓'),
      ),
      { numRuns: 5000, seed: 20261127 },
    );
    for (const id of ids) {
      const commented = addComment(statement, serializeSqlComment({ request_id: id, route: `/r/${id}` }));
      const result = await client.query(commented, [41]);
      expect(result.rows).toEqual(plain.rows);
    }
    const stats = await client.query(
      "SELECT count(DISTINCT queryid)::int AS ids, sum(calls)::int AS calls FROM pg_stat_statements WHERE query LIKE '%encoder_probe%'",
    );
    expect(stats.rows[0]).toEqual({ ids: 1, calls: expect.any(Number) });
    expect(stats.rows[0].calls).toBeGreaterThanOrEqual(5001);
  }, 120_000);

  it('comments statements with -- or /* in literals, quoted names, dollar quotes and closed comments: they run alike and PostgreSQL logs the comment', async () => {
    const commenting = await connectedCommentingClient('scan-test');
    const statements = [
      "SELECT '--not a comment' AS scan_probe",
      "SELECT 'it''s /* text' AS scan_probe;",
      'SELECT 1 AS "scan--probe"',
      "SELECT E'\\' -- still a string' AS scan_probe",
      'SELECT $x$ -- /* $x$ AS scan_probe',
      'SELECT 1 /* mine */ AS scan_probe',
      'SELECT /* outer /* inner */ still */ 2 AS scan_probe',
      'SELECT 3 AS scan_probe -- a note\n',
    ];
    // Random literals holding comment markers, quotes and dollars, each in one of PostgreSQL's quoting forms.
    const text = fc.string({ maxLength: 20, unit: fc.constantFrom('-', '/', '*', "'", '$', '\\', 'a', ' ', '\n') });
    const literal = fc.oneof(
      text.map((t) => `'${t.replaceAll("'", "''")}'`),
      text.map((t) => `E'${t.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`),
      text.filter((t) => !t.includes('$q')).map((t) => `$q$${t}$q$`),
    );
    const closedComment = fc.option(text.filter((t) => !t.includes('/*') && !t.includes('*/') && !t.endsWith('/') && !t.endsWith('*') && !t.startsWith('*')).map((t) => ` /* ${t} */`), { nil: '' });
    const random = fc.sample(fc.tuple(literal, closedComment).map(([l, comment]) => `SELECT ${l}::text AS scan_random${comment}`), { numRuns: 300, seed: 20261203 });
    try {
      for (const [i, sql] of [...statements, ...random].entries()) {
        const plain = await client.query(sql);
        const commented = await asRequest(`scan-${i}`, () => commenting.query(sql));
        expect([sql, commented.rows]).toEqual([sql, plain.rows]);
      }
      // A statement with a newline continues on the log's next line, with its comment: the whole log is searched.
      const all = [...statements, ...random];
      const log = await waitFor(() => {
        const text = serverLog();
        return all.every((_, i) => text.includes(`request_id='scan-${i}'*/`)) ? text : undefined;
      }, 'every scan statement commented in the server log');
      const commentedRandom = random.filter((_, i) => log.includes(`request_id='scan-${statements.length + i}'*/`)).length;
      expect(commentedRandom).toBe(random.length);
    } finally {
      await commenting.end();
    }
  }, 60_000);

  it("answers every call form of pg's Client.query as pg does, each statement commented", async () => {
    const commenting = await connectedCommentingClient('forms-test');
    const viaCallback = (call: (cb: (error: Error | null, result: pg.QueryResult) => void) => unknown) =>
      new Promise<pg.QueryResult>((resolve, reject) => {
        // With a callback, pg returns nothing: the answer comes through the callback alone.
        expect(call((error, result) => (error ? reject(error) : resolve(result)))).toBeUndefined();
      });
    try {
      const answers = await asRequest('forms-1', async () => [
        await commenting.query('SELECT 1 AS n, 1 AS form_probe'),
        await commenting.query('SELECT $1::int AS n, 2 AS form_probe', [2]),
        await viaCallback((cb) => commenting.query('SELECT $1::int AS n, 3 AS form_probe', [3], cb)),
        await viaCallback((cb) => commenting.query('SELECT 4 AS n, 4 AS form_probe', cb)),
        await commenting.query({ text: 'SELECT $1::int AS n, 5 AS form_probe', values: [5] }),
        await new Promise<pg.QueryResult>((resolve, reject) => {
          const submittable = new pg.Query('SELECT $1::int AS n, 6 AS form_probe', [6]);
          submittable.on('end', resolve);
          submittable.on('error', reject);
          expect(commenting.query(submittable)).toBe(submittable);
        }),
      ]);
      expect(answers.slice(0, 5).map((r) => r.rows[0].n)).toEqual([1, 2, 3, 4, 5]);
      const lines = await loggedStatements("request_id='forms-1'", 6);
      for (const form of [1, 2, 3, 4, 5, 6]) {
        expect(lines.find((l) => l.includes(`${form} AS form_probe`))).toContain("/*application='forms-test',request_id='forms-1'*/");
      }
    } finally {
      await commenting.end();
    }
  });

  it('sends statements untouched when OBSERVABILITY_QUERY_COMMENTS_ENABLED=false', async () => {
    process.env.OBSERVABILITY_QUERY_COMMENTS_ENABLED = 'false';
    const Plain = sqlCommentingClient({ application: 'flag-test' });
    delete process.env.OBSERVABILITY_QUERY_COMMENTS_ENABLED;
    const plain = new Plain({ connectionString: databaseUrl() });
    await plain.connect();
    const cls = ClsServiceManager.getClsService();
    await cls.run(async () => {
      cls.set(CLS_ID, 'flag-off-1');
      await plain.query('SELECT 1 AS flag_off_probe');
    });
    await plain.end();
    await waitFor(() => serverLog().includes('flag_off_probe') || undefined, 'the probe in the server log');
    const lines = serverLog().split('\n').filter((l) => l.includes('flag_off_probe'));
    expect(lines.some((l) => l.includes('/*'))).toBe(false);
  });

  it('leaves the data intact under the injection ids of the design, with id validation out of the way', async () => {
    await client.query('DROP TABLE IF EXISTS injection_probe; CREATE TABLE injection_probe (id int PRIMARY KEY, v text)');
    await client.query("INSERT INTO injection_probe VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    // The raw ids go straight into the context, as if validation upstream were off or broken.
    const commenting = await connectedCommentingClient('injection-test');
    try {
      await asRequest("x*/ OR true /*", () => commenting.query('DELETE FROM injection_probe WHERE id = $1', [1]));
      expect((await client.query('SELECT id FROM injection_probe ORDER BY id')).rows).toEqual([{ id: 2 }, { id: 3 }]);
      const viaSimpleProtocol = await asRequest("x*/; DROP TABLE injection_probe; /*", () =>
        commenting.query('SELECT count(*)::int AS n FROM injection_probe'),
      );
      expect(viaSimpleProtocol.rows).toEqual([{ n: 2 }]);
      const nested = await asRequest('abc/*', () => commenting.query('SELECT 1 AS still_works'));
      expect(nested.rows).toEqual([{ still_works: 1 }]);
      // A context the module made (its id checked), whose id other code replaced: the new id is not taken for checked.
      const replaced = await runWithRequestId('checked-1', () => {
        ClsServiceManager.getClsService().set(CLS_ID, "x*/; DROP TABLE injection_probe; /*");
        return commenting.query('SELECT count(*)::int AS n FROM injection_probe');
      });
      expect(replaced.rows).toEqual([{ n: 2 }]);
    } finally {
      await commenting.end();
    }
    expect((await client.query("SELECT to_regclass('injection_probe') IS NOT NULL AS present")).rows).toEqual([{ present: true }]);
  });
});
