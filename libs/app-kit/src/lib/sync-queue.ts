import { BullModule, getQueueToken } from '@nestjs/bull';
import { BullModule as BullMqModule, getQueueToken as getMqQueueToken } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { REPOSITORY_SYNC_QUEUE, SYNC_JOB, SYNC_JOB_OPTIONS, type SyncJobData } from '@commandcenter/domain';
import type { Queue as BullQueue } from 'bull';
import type { Queue as MqQueue } from 'bullmq';
import { bullMqConnection, redisConnectionOptions, type QueueLibrary } from './config.js';

/** The sync queue as the api and the health check use it, the same on either queue library. */
export interface SyncQueue {
  /** Adds a sync job with the domain's options; resolves with its id. */
  add(data: SyncJobData): Promise<{ id: string }>;
  /** One round trip to the queue's Redis. */
  ping(): Promise<unknown>;
}

/** DI token of the SyncQueue. */
export const SYNC_QUEUE = Symbol('app-kit:sync-queue');

export interface QueueConfig {
  redisUrl: string;
  queueLibrary: QueueLibrary;
  /** Job lock and stalled-job check interval, in ms (the worker sets it; Bull's and BullMQ's default: 30 s). */
  queueLockMs?: number;
}

/**
 * The connection to the sync queue on the library the configuration names (`QUEUE_LIBRARY`): Bull 4 with
 * @nestjs/bull, or BullMQ with @nestjs/bullmq. The two keep jobs in Redis differently, so the api and the worker
 * must use the same one. Global: the apps' health check and services inject SYNC_QUEUE (and the library's queue).
 */
@Module({})
export class SyncQueueModule {
  static register(config: QueueConfig): DynamicModule {
    return config.queueLibrary === 'bullmq' ? bullMqModule(config) : bullModule(config);
  }
}

function bullModule(config: QueueConfig): DynamicModule {
  const queue = BullModule.registerQueue({ name: REPOSITORY_SYNC_QUEUE });
  return {
    module: SyncQueueModule,
    global: true,
    imports: [
      BullModule.forRoot({
        url: config.redisUrl,
        redis: redisConnectionOptions(),
        // A job whose worker died (its lock not renewed) goes back to the queue within about twice this.
        ...(config.queueLockMs ? { settings: { lockDuration: config.queueLockMs, stalledInterval: config.queueLockMs } } : {}),
      }),
      queue,
    ],
    providers: [
      {
        provide: SYNC_QUEUE,
        inject: [getQueueToken(REPOSITORY_SYNC_QUEUE)],
        useFactory: (q: BullQueue<SyncJobData>): SyncQueue => ({
          add: async (data) => ({ id: String((await q.add(SYNC_JOB, data, { ...SYNC_JOB_OPTIONS })).id) }),
          ping: () => q.client.ping(),
        }),
      },
    ],
    exports: [SYNC_QUEUE, queue],
  };
}

function bullMqModule(config: QueueConfig): DynamicModule {
  const queue = BullMqModule.registerQueue({ name: REPOSITORY_SYNC_QUEUE });
  return {
    module: SyncQueueModule,
    global: true,
    imports: [BullMqModule.forRoot({ connection: bullMqConnection(config.redisUrl) }), queue],
    providers: [
      {
        provide: SYNC_QUEUE,
        inject: [getMqQueueToken(REPOSITORY_SYNC_QUEUE)],
        useFactory: (q: MqQueue<SyncJobData>): SyncQueue => ({
          add: async (data) => ({ id: String((await q.add(SYNC_JOB, data, { ...SYNC_JOB_OPTIONS })).id) }),
          ping: () => q.getWaitingCount(),
        }),
      },
    ],
    exports: [SYNC_QUEUE, queue],
  };
}
