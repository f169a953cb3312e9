/** The parts of Bull's Queue and Job that the instrumentation touches; Bull itself is an optional peer. */
export interface BullJobLike {
  id: string | number;
  name: string;
  opts: Record<string, unknown> & { attempts?: number; repeat?: unknown; delay?: number };
  attemptsMade: number;
  timestamp: number;
  delay?: number;
  processedOn?: number | null;
  finishedOn?: number | null;
}

export interface BullQueueLike {
  name: string;
  on(event: string, listener: (...args: any[]) => void): unknown;
  getJobCounts(): Promise<Record<string, number>>;
  getWorkers(): Promise<unknown[]>;
  isPaused?(): Promise<boolean>;
  toKey(type: string): string;
  /** The command connection (a getter that connects on first use). */
  client: unknown;
}

export interface BullQueuePrototype {
  add(this: BullQueueLike, ...args: unknown[]): Promise<unknown>;
  addBulk(this: BullQueueLike, jobs: Array<{ name?: string; data: unknown; opts?: Record<string, unknown> }>): Promise<unknown>;
  setHandler(this: BullQueueLike, name: string, handler: unknown): unknown;
}

export type BullQueueClass = (new (...args: any[]) => BullQueueLike) & { prototype: BullQueuePrototype };
