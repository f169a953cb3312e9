import type { BullQueueClass } from './bull-types.js';

/**
 * Bull is an optional peer: loaded only when the queue integration is on. Asked for explicitly and missing, it is a
 * start-up error naming what to install; merely absent, the integration stays off.
 */
export async function loadBull(
  required: boolean,
  importBull: () => Promise<unknown> = () => import('bull'),
): Promise<BullQueueClass | undefined> {
  try {
    const module = (await importBull()) as { default?: BullQueueClass } & BullQueueClass;
    return module.default ?? module;
  } catch (error) {
    if (!required) return undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`ObservabilityModule: queue.enabled needs Bull or BullMQ: npm install @nestjs/bull bull (or @nestjs/bullmq bullmq) (${reason})`);
  }
}
