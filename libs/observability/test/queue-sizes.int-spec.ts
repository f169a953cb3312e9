import 'reflect-metadata';
import { BullModule as BullMqModule } from '@nestjs/bullmq';
import { BullModule } from '@nestjs/bull';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { CaptureStream } from '../../../tools/testing/log-capture.js';
import { startRedis, type StartedRedis } from '../../../tools/testing/services.js';
import { ObservabilityModule } from '../src/index.js';

type Mode = 'one-replica' | 'each-replica';
interface Replica {
  app: INestApplicationContext;
  registry: Registry;
}

/** A replica of a service that knows two queues, one of each library, and processes neither. */
async function startReplica(redisPort: number, sizes: Mode): Promise<Replica> {
  const registry = new Registry();
  @Module({
    imports: [
      ObservabilityModule.forRoot({ serviceName: 'sizes-test', logging: { destination: new CaptureStream() }, metrics: { registry, defaultMetrics: false }, queue: { sizes } }),
      BullModule.forRoot({ redis: { host: '127.0.0.1', port: redisPort } }),
      BullModule.registerQueue({ name: 'sized-bull' }),
      BullMqModule.forRoot({ connection: { host: '127.0.0.1', port: redisPort } }),
      BullMqModule.registerQueue({ name: 'sized-mq' }),
    ],
  })
  class ReplicaModule {}
  const app = await NestFactory.createApplicationContext(ReplicaModule, { logger: false, abortOnError: false });
  return { app, registry };
}

/** Redis commands run since the last call (INFO commandstats, less the INFO calls themselves). */
async function commandCounter(redis: Redis): Promise<() => Promise<{ total: number; byCommand: Record<string, number> }>> {
  const read = async () => {
    const byCommand: Record<string, number> = {};
    for (const [, name, calls] of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) byCommand[name] = Number(calls);
    delete byCommand.info;
    return byCommand;
  };
  let last = await read();
  return async () => {
    const now = await read();
    const byCommand: Record<string, number> = {};
    for (const [name, calls] of Object.entries(now)) if (calls > (last[name] ?? 0)) byCommand[name] = calls - (last[name] ?? 0);
    last = now;
    return { byCommand, total: Object.values(byCommand).reduce((a, b) => a + b, 0) };
  };
}

const LEASE_COMMANDS = ['eval', 'get', 'pexpire', 'set'];
const readsSizes = (exposition: string, queue: string) => exposition.includes(`bull_queue_jobs{queue="${queue}"`);

// Three replicas of one service scraped in turn, against a Redis of their own, with both ways of reading queue sizes.
describe('queue sizes: Redis commands per scrape with several replicas', () => {
  let redis: StartedRedis;
  let client: Redis;
  const figures: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.port, '127.0.0.1');
  });
  afterAll(async () => {
    console.log(`Redis commands per scrape round of 3 replicas, 2 queues (Bull + BullMQ):\n${figures.join('\n')}`);
    client?.disconnect();
    redis?.stop();
  });

  async function measure(mode: Mode) {
    const replicas = await Promise.all([1, 2, 3].map(() => startReplica(redis.port, mode)));
    try {
      for (const r of replicas) await r.registry.metrics(); // connections made, scripts loaded, leases taken
      const counted = await commandCounter(client);
      const rounds = 3;
      let expositions: string[] = [];
      for (let i = 0; i < rounds; i++) expositions = await Promise.all(replicas.map((r) => r.registry.metrics()));
      const { total, byCommand } = await counted();
      const perRound = (names: string[]) => names.reduce((sum, name) => sum + (byCommand[name] ?? 0), 0) / rounds;
      // The lease script's commands, as Redis counts them: EVAL itself and what it runs (GET, then PEXPIRE or SET).
      const lease = perRound(LEASE_COMMANDS);
      const reading = total / rounds - lease;
      figures.push(`  ${mode}: ${total / rounds} (reading sizes ${reading}, lease ${lease}) ${JSON.stringify(byCommand)} over ${rounds} rounds`);
      return { replicas, expositions, reading, lease };
    } catch (error) {
      await Promise.all(replicas.map((r) => r.app.close()));
      throw error;
    }
  }

  it('reads every queue once per round with one-replica, three times with each-replica', async () => {
    const each = await measure('each-replica');
    for (const e of each.expositions) expect(readsSizes(e, 'sized-bull') && readsSizes(e, 'sized-mq')).toBe(true);
    await Promise.all(each.replicas.map((r) => r.app.close()));

    const one = await measure('one-replica');
    try {
      for (const queue of ['sized-bull', 'sized-mq']) expect(one.expositions.filter((e) => readsSizes(e, queue))).toHaveLength(1);
      // One reading of each queue per round instead of three, and at most one lease script (three commands) per
      // replica and queue.
      expect(each.lease).toBe(0);
      expect(one.reading).toBe(each.reading / 3);
      expect(one.lease).toBeLessThanOrEqual(3 * 2 * 3);

      // The reader shuts down: it gives the lease back, and the next scrape of another replica reads.
      const reader = one.replicas.findIndex((_, i) => readsSizes(one.expositions[i], 'sized-mq'));
      await one.replicas[reader].app.close();
      const others = one.replicas.filter((_, i) => i !== reader);
      const after = await Promise.all(others.map((r) => r.registry.metrics()));
      expect(after.filter((e) => readsSizes(e, 'sized-mq'))).toHaveLength(1);
      expect(after.filter((e) => readsSizes(e, 'sized-bull'))).toHaveLength(1);
    } finally {
      await Promise.all(one.replicas.map((r) => r.app.close().catch(() => undefined)));
    }
  });
});
