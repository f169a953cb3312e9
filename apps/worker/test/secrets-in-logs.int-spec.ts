import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../../../tools/testing/app-process.js';

/** The harness trusts local connections, so a password in DATABASE_URL is accepted and ignored: it must still never be printed. */
const SECRET = 'Sup3r-S3cret-Passw0rd';

describe('secrets in logs', () => {
  let api: AppProcess;
  let worker: AppProcess;

  beforeAll(async () => {
    const database = new URL(process.env.TEST_DATABASE_URL!);
    database.password = SECRET;
    const env = { DATABASE_URL: database.toString(), REDIS_URL: process.env.TEST_REDIS_URL!, EXPORTER_PASSWORD: SECRET };
    [api, worker] = await Promise.all([AppProcess.start('api', env), AppProcess.start('worker', env)]);
    const created = await fetch(`${api.url}/api/v1/repositories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'secrets', url: 'https://example.com/secrets' }),
    });
    const { id } = (await created.json()) as { id: string };
    const sync = (await (await fetch(`${api.url}/api/v1/repositories/${id}/sync`, { method: 'POST' })).json()) as { jobId: string };
    await fetch(`${api.url}/api/v1/trigger-test-error`);
    await fetch(`${api.url}/api/v1/repositories/not-a-uuid`);
    await worker.waitForLine((l) => l.msg === 'job completed' && l.job_id === sync.jobId, 'the sync');
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  it('never prints the database password, from start-up to shutdown', async () => {
    await Promise.all([api.stop(), worker.stop()]);
    for (const app of [api, worker]) {
      const everything = JSON.stringify(app.lines) + app.stderr.join('');
      expect(app.lines.length).toBeGreaterThan(10);
      expect(everything).not.toContain(SECRET);
      expect(everything).not.toContain(encodeURIComponent(SECRET));
    }
  });
});
