import Bull from 'bull';
import { Queue as MqQueue } from 'bullmq';

/** The apps' two queue libraries (QUEUE_LIBRARY): the worker's tests run on each. */
export const QUEUE_LIBRARIES = ['bull', 'bullmq'] as const;
export type QueueLibrary = (typeof QUEUE_LIBRARIES)[number];

/** BullMQ's runs use Redis database 1, so the two libraries' keys for the same queue never meet. */
export function redisUrlFor(library: QueueLibrary, redisUrl: string): string {
  if (library === 'bull') return redisUrl;
  const url = new URL(redisUrl);
  url.pathname = '/1';
  return url.toString();
}

/** The apps' environment for one library. */
export function queueEnv(library: QueueLibrary, redisUrl: string): { QUEUE_LIBRARY: QueueLibrary; REDIS_URL: string } {
  return { QUEUE_LIBRARY: library, REDIS_URL: redisUrlFor(library, redisUrl) };
}

/** The sync queue from outside the apps, on either library: add a job, read it back. */
export interface TestQueue {
  add(name: string, data: unknown, opts?: { attempts?: number }): Promise<{ id: string }>;
  finishedOn(id: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export function openQueue(library: QueueLibrary, name: string, redisUrl: string): TestQueue {
  if (library === 'bull') {
    const queue = new Bull(name, redisUrlFor(library, redisUrl));
    return {
      add: async (job, data, opts) => ({ id: String((await queue.add(job, data, opts)).id) }),
      finishedOn: async (id) => (await queue.getJob(id))?.finishedOn ?? undefined,
      close: () => queue.close(),
    };
  }
  const queue = new MqQueue(name, { connection: { url: redisUrlFor(library, redisUrl) } });
  return {
    add: async (job, data, opts) => ({ id: String((await queue.add(job, data, opts)).id) }),
    finishedOn: async (id) => (await queue.getJob(id))?.finishedOn ?? undefined,
    close: () => queue.close(),
  };
}
