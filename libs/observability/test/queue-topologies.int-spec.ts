import 'reflect-metadata';
import { BullModule, getQueueToken, Process, Processor, type BullRootModuleOptions } from '@nestjs/bull';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Job, Queue } from 'bull';
import { BullModule as BullMqModule, getQueueToken as getMqQueueToken, Processor as MqProcessor, WorkerHost } from '@nestjs/bullmq';
import type { Job as MqJob, Queue as MqQueue } from 'bullmq';
import { Cluster } from 'ioredis';
import { Registry } from 'prom-client';
import { startRedisCluster, startRedisSentinel, type StartedRedisCluster, type StartedRedisSentinel } from '../../../tools/testing/services.js';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { getRequestId, ObservabilityModule, runWithRequestId } from '../src/index.js';

const QUEUE = 'topology-test';
const processed: Array<{ kind: string; requestId: string | undefined }> = [];

@Processor(QUEUE)
@Injectable()
class TopologyProcessor {
  @Process('work')
  work(job: Job<{ kind: string }>) {
    processed.push({ kind: job.data.kind, requestId: getRequestId() });
  }
}

/** A Nest app with the module and one Bull queue on the given connection. */
function createApp(bull: BullRootModuleOptions): Promise<INestApplication> {
  @Module({
    imports: [
      ObservabilityModule.forRoot({ serviceName: 'topology-test', logging: { destination: new CaptureStream() }, metrics: { registry: new Registry() } }),
      BullModule.forRoot(bull),
      BullModule.registerQueue({ name: QUEUE }),
    ],
    providers: [TopologyProcessor],
  })
  class TopologyTestModule {}
  return NestFactory.create(TopologyTestModule, new ExpressAdapter(), { logger: false, abortOnError: false });
}

/** Enqueues a job under `requestId` and resolves with the request id its processor saw. */
async function carried(app: INestApplication, requestId: string, kind: string): Promise<string | undefined> {
  const queue = app.get<Queue>(getQueueToken(QUEUE));
  await runWithRequestId(requestId, () => queue.add('work', { kind }));
  return (await waitFor(() => processed.find((p) => p.kind === kind), 'the job processed', 15_000)).requestId;
}

// A real three-master Redis Cluster (redis-server --cluster-enabled, redis-cli --cluster create) under Bull.
describe('Bull on a Redis Cluster', () => {
  let cluster: StartedRedisCluster;
  const clients: Cluster[] = [];

  const create = (prefix: string) =>
    createApp({
      prefix,
      createClient: () => {
        const client = new Cluster(cluster.nodes, { redisOptions: { enableReadyCheck: false, maxRetriesPerRequest: null } });
        clients.push(client);
        return client;
      },
    });

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
      expect(await carried(app, 'cluster-req-1', 'on-cluster')).toBe('cluster-req-1');
    } finally {
      await app.close();
    }
  });
});

const MQ_QUEUE = 'topology-mq';

@MqProcessor(MQ_QUEUE)
@Injectable()
class MqTopologyProcessor extends WorkerHost {
  async process(job: MqJob<{ kind: string }>): Promise<void> {
    processed.push({ kind: job.data.kind, requestId: getRequestId() });
  }
}

// The same cluster under BullMQ (@nestjs/bullmq), its connection an ioredis Cluster.
describe('BullMQ on a Redis Cluster', () => {
  let cluster: StartedRedisCluster;
  const clients: Cluster[] = [];
  let registry: Registry;

  function create(prefix: string): Promise<INestApplication> {
    registry = new Registry();
    const connection = new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: null } });
    clients.push(connection);
    @Module({
      imports: [
        ObservabilityModule.forRoot({ serviceName: 'topology-mq', logging: { destination: new CaptureStream() }, metrics: { registry } }),
        BullMqModule.forRoot({ connection, prefix }),
        BullMqModule.registerQueue({ name: MQ_QUEUE }),
      ],
      providers: [MqTopologyProcessor],
    })
    class MqTopologyModule {}
    return NestFactory.create(MqTopologyModule, new ExpressAdapter(), { logger: false, abortOnError: false });
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
      `queue "${MQ_QUEUE}" is on a Redis Cluster connection but its keys have no hash tag (prefix "bull"): BullMQ's multi-key commands would fail with CROSSSLOT. Wrap the prefix in braces: prefix: '{bull}'`,
    );
    await app.close().catch(() => undefined);
  });

  it('carries the request id from add() into the processor with a hash-tagged prefix, and reads the queue sizes', async () => {
    const app = await create(`{m${Date.now()}}`);
    try {
      await app.init();
      const queue = app.get<MqQueue>(getMqQueueToken(MQ_QUEUE));
      await runWithRequestId('cluster-mq-1', () => queue.add('work', { kind: 'mq-on-cluster' }));
      expect((await waitFor(() => processed.find((p) => p.kind === 'mq-on-cluster'), 'the job processed', 15_000)).requestId).toBe('cluster-mq-1');
      // The job completes just after its processor returns: scrape until it is counted (the lease and CLIENT LIST work on a cluster).
      let exposition = '';
      for (let i = 0; i < 50 && !exposition.includes(`bull_queue_jobs{queue="${MQ_QUEUE}",state="completed"} 1`); i++) {
        exposition = await registry.metrics();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(exposition).toContain(`bull_queue_jobs{queue="${MQ_QUEUE}",state="completed"} 1`);
      expect(exposition).toMatch(new RegExp(`bull_queue_workers\\{queue="${MQ_QUEUE}"\\} [1-9]`));
    } finally {
      await app.close();
    }
  });
});

// Redis behind a Sentinel (redis-server --sentinel): Bull and BullMQ find the master through it; no key constraint applies.
describe('Bull and BullMQ through Redis Sentinel', () => {
  let sentinel: StartedRedisSentinel;

  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  });
  afterAll(() => sentinel?.stop());

  it('carries the request id from add() into the processor (Bull)', async () => {
    const app = await createApp({ redis: { sentinels: sentinel.sentinels, name: sentinel.name }, prefix: `s${Date.now()}` });
    try {
      await app.init();
      expect(await carried(app, 'sentinel-req-1', 'through-sentinel')).toBe('sentinel-req-1');
    } finally {
      await app.close();
    }
  });

  it('carries the request id from add() into the processor (BullMQ)', async () => {
    @Module({
      imports: [
        ObservabilityModule.forRoot({ serviceName: 'topology-mq', logging: { destination: new CaptureStream() }, metrics: { registry: new Registry() } }),
        BullMqModule.forRoot({ connection: { sentinels: sentinel.sentinels, name: sentinel.name }, prefix: `ms${Date.now()}` }),
        BullMqModule.registerQueue({ name: MQ_QUEUE }),
      ],
      providers: [MqTopologyProcessor],
    })
    class MqSentinelModule {}
    const app = await NestFactory.create(MqSentinelModule, new ExpressAdapter(), { logger: false, abortOnError: false });
    try {
      await app.init();
      const queue = app.get<MqQueue>(getMqQueueToken(MQ_QUEUE));
      await runWithRequestId('sentinel-mq-1', () => queue.add('work', { kind: 'mq-through-sentinel' }));
      expect((await waitFor(() => processed.find((p) => p.kind === 'mq-through-sentinel'), 'the job processed', 15_000)).requestId).toBe('sentinel-mq-1');
    } finally {
      await app.close();
    }
  });
});
