import 'reflect-metadata';
import { BullModule, getQueueToken, Process, Processor } from '@nestjs/bull';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Job, Queue } from 'bull';
import { Cluster } from 'ioredis';
import { Registry } from 'prom-client';
import { startRedisCluster, type StartedRedisCluster } from '../../../tools/testing/services.js';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { getRequestId, ObservabilityModule, runWithRequestId } from '../src/index.js';

const QUEUE = 'cluster-test';
const processed: Array<{ kind: string; requestId: string | undefined }> = [];

@Processor(QUEUE)
@Injectable()
class ClusterProcessor {
  @Process('work')
  work(job: Job<{ kind: string }>) {
    processed.push({ kind: job.data.kind, requestId: getRequestId() });
  }
}

// A real three-master Redis Cluster (redis-server --cluster-enabled, redis-cli --cluster create) under Bull.
describe('Bull on a Redis Cluster', () => {
  let cluster: StartedRedisCluster;
  const clients: Cluster[] = [];

  async function create(prefix: string): Promise<INestApplication> {
    @Module({
      imports: [
        ObservabilityModule.forRoot({ serviceName: 'cluster-test', logging: { destination: new CaptureStream() }, metrics: { registry: new Registry() } }),
        BullModule.forRoot({
          prefix,
          createClient: () => {
            const client = new Cluster(cluster.nodes, { redisOptions: { enableReadyCheck: false, maxRetriesPerRequest: null } });
            clients.push(client);
            return client;
          },
        }),
        BullModule.registerQueue({ name: QUEUE }),
      ],
      providers: [ClusterProcessor],
    })
    class ClusterTestModule {}
    return NestFactory.create(ClusterTestModule, new ExpressAdapter(), { logger: false, abortOnError: false });
  }

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    cluster?.stop();
  });

  it('refuses at start-up a queue whose prefix has no hash tag, saying what to write', async () => {
    const app = await create('bull');
    await expect(app.init()).rejects.toThrow(
      `queue "${QUEUE}" is on a Redis Cluster connection but its keys have no hash tag (prefix "bull"): Bull's multi-key commands would fail with CROSSSLOT. Wrap the prefix in braces: prefix: '{bull}'`,
    );
    await app.close().catch(() => undefined);
  });

  it('carries the request id from add() into the processor with a hash-tagged prefix', async () => {
    const app = await create(`{c${Date.now()}}`);
    try {
      await app.init();
      const queue = app.get<Queue>(getQueueToken(QUEUE));
      await runWithRequestId('cluster-req-1', () => queue.add('work', { kind: 'on-cluster' }));
      const seen = await waitFor(() => processed.find((p) => p.kind === 'on-cluster'), 'the job processed', 15_000);
      expect(seen.requestId).toBe('cluster-req-1');
    } finally {
      await app.close();
    }
  });
});
