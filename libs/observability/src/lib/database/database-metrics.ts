import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BoundHistogram } from '../core/bound-series.js';
import { getOrCreateMetric } from '../core/metric-factory.js';
import type { Operation } from './sqlcommenter.js';

/** Buckets from 1 ms to 5 s, straddling the 200 ms slow-query threshold. */
export const DEFAULT_QUERY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5];

export interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Query durations and errors from the TypeORM subscriber; pool connections read from the pg pools at scrape time. */
export class DatabaseMetrics {
  private readonly duration: BoundHistogram;
  private readonly errors: Counter<'operation' | 'sqlstate'>;

  constructor(registry: Registry, pools: () => Iterable<PoolLike>) {
    const duration = getOrCreateMetric<Histogram<'operation'>>(registry, Histogram, {
      name: 'db_query_duration_seconds',
      help: 'Duration of SQL statements sent through TypeORM, by operation, in seconds.',
      labelNames: ['operation'],
      buckets: DEFAULT_QUERY_BUCKETS,
    });
    this.duration = new BoundHistogram(duration, ['operation']);
    this.errors = getOrCreateMetric<Counter<'operation' | 'sqlstate'>>(registry, Counter, {
      name: 'db_query_errors_total',
      help: 'SQL statements that failed, by operation and SQLSTATE.',
      labelNames: ['operation', 'sqlstate'],
    });
    getOrCreateMetric(registry, Gauge, {
      name: 'db_pool_connections',
      help: 'Connections of the application pool: total, idle, and requests waiting for one.',
      labelNames: ['state'],
      collect(this: Gauge<'state'>) {
        let total = 0;
        let idle = 0;
        let waiting = 0;
        for (const pool of pools()) {
          total += pool.totalCount;
          idle += pool.idleCount;
          waiting += pool.waitingCount;
        }
        this.set({ state: 'total' }, total);
        this.set({ state: 'idle' }, idle);
        this.set({ state: 'waiting' }, waiting);
      },
    });
  }

  observe(operation: Operation, seconds: number): void {
    this.duration.observe(seconds, undefined, operation);
  }

  failed(operation: Operation, sqlstate: string): void {
    this.errors.inc({ operation, sqlstate });
  }
}

/** PostgreSQL's five-character SQLSTATE, or 'unknown' (it becomes a label: nothing else may pass). */
export function sqlstateOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : 'unknown';
}
