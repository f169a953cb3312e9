import type { QueueKeyLayout } from './cluster-prefix.js';

/** One queue library's instrumentation, as QueueDiscovery sees it at bootstrap and shutdown. */
export interface QueueLibraryInstrumentation {
  /** Whether a DI provider is one of this library's queues (some providers throw on any inspection: not queues). */
  isQueue(value: unknown): boolean;
  /** Where a queue's keys go, for the Redis Cluster check. */
  keyLayout(queue: unknown): QueueKeyLayout;
  /** A queue known from DI: its sizes are read and its errors logged before its first job. */
  track(queue: unknown): void;
  uninstall(): void;
}

/** `value instanceof Class`, false for a value that throws when inspected (nestjs-cls proxy providers do). */
export function isInstanceOf(value: unknown, Class: abstract new (...args: any[]) => unknown): boolean {
  try {
    return value instanceof Class;
  } catch {
    return false;
  }
}
