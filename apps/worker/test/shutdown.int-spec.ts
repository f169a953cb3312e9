import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AppProcess } from '../../../tools/testing/app-process.js';
import { openQueue, QUEUE_LIBRARIES, queueEnv, type TestQueue } from '../../../tools/testing/queue-library.js';

describe.each(QUEUE_LIBRARIES)('graceful shutdown (%s)', (library) => {
  let db: pg.Client;
  let queue: TestQueue;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
    queue = openQueue(library, 'repository-sync', process.env.TEST_REDIS_URL!);
  });
  afterAll(async () => {
    await db?.end();
    await queue?.close();
  });

  it('lets the active job finish on SIGTERM and exits 0', async () => {
    const worker = await AppProcess.start('worker', { DATABASE_URL: process.env.TEST_DATABASE_URL!, ...queueEnv(library, process.env.TEST_REDIS_URL!) });
    const { rows } = await db.query("INSERT INTO repositories (name, url) VALUES ('shutdown', 'https://example.com/s') RETURNING id");
    const repositoryId = rows[0].id as string;
    const job = await queue.add('sync', { repositoryId }, { attempts: 1 });

    await worker.waitForLine((l) => l.msg === `sync of repository ${repositoryId} started`, 'job to start');
    const code = await worker.stop();

    expect(code).toBe(0);
    expect(worker.find((l) => l.msg === 'job completed' && l.job_id === job.id)).toBeDefined();
    expect(worker.find((l) => typeof l.msg === 'string' && l.msg.startsWith('active jobs finished in'))).toBeDefined();
    const runs = await db.query('SELECT status FROM sync_runs WHERE repository_id = $1', [repositoryId]);
    expect(runs.rows).toEqual([{ status: 'succeeded' }]);
    expect(await queue.finishedOn(job.id)).toBeTruthy();
  });
});
