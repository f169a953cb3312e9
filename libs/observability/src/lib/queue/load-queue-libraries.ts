import type { BullQueueClass } from './bull-types.js';
import type { BullMqClasses } from './bullmq-instrumentation.js';

export interface QueueLibraries {
  bull?: BullQueueClass;
  bullmq?: BullMqClasses;
}

interface Importers {
  bull: () => Promise<unknown>;
  bullmq: () => Promise<unknown>;
}

const IMPORTERS: Importers = { bull: () => import('bull'), bullmq: () => import('bullmq') };

/**
 * Bull and BullMQ are optional peers, each loaded once, when the queue integration is on; either, both or neither
 * may be installed. Asked for explicitly (`queue.enabled: true`) with neither there, it is a start-up error naming
 * what to install; merely absent, the integration stays off.
 */
export async function loadQueueLibraries(required: boolean, importers: Partial<Importers> = {}): Promise<QueueLibraries> {
  const { bull, bullmq } = { ...IMPORTERS, ...importers };
  const [bullResult, bullmqResult] = await Promise.allSettled([bull(), bullmq()]);
  const libraries: QueueLibraries = {};
  if (bullResult.status === 'fulfilled') {
    const module = bullResult.value as { default?: BullQueueClass } & BullQueueClass;
    libraries.bull = module.default ?? module;
  }
  if (bullmqResult.status === 'fulfilled') {
    const module = bullmqResult.value as Partial<BullMqClasses> & { default?: Partial<BullMqClasses> };
    const classes = module.Queue ? module : module.default;
    if (classes?.Queue && classes.Worker) libraries.bullmq = classes as BullMqClasses;
  }
  if (required && !libraries.bull && !libraries.bullmq) {
    const reason = bullResult.status === 'rejected' ? String((bullResult.reason as Error)?.message ?? bullResult.reason) : 'not a queue library';
    throw new Error(`ObservabilityModule: queue.enabled needs Bull or BullMQ: npm install @nestjs/bullmq bullmq (or @nestjs/bull bull) (${reason})`);
  }
  return libraries;
}
