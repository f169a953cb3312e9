import type { Logger } from 'pino';
import type { InternalErrors } from '../core/internal-errors.js';
import type { DatabaseMetrics } from './database-metrics.js';
import { sqlstateOf } from './database-metrics.js';
import { sqlOperation } from './sqlcommenter.js';

const MAX_STATEMENT = 1000;

interface AfterQueryEventLike {
  query: string;
  success: boolean;
  executionTime?: number;
  error?: unknown;
}

/**
 * A TypeORM subscriber (registered on every DataSource for the user): what a subscriber can do, since it cannot
 * change the SQL: per-operation timing and errors, and a warning for slow statements with the request id, never
 * their parameter values.
 */
export class QueryObservabilitySubscriber {
  constructor(
    private readonly metrics: DatabaseMetrics | undefined,
    private readonly logger: Logger,
    private readonly slowQueryMs: number,
    private readonly internal: InternalErrors,
  ) {}

  afterQuery(event: AfterQueryEventLike): void {
    try {
      const operation = sqlOperation(event.query);
      if (!event.success) {
        this.metrics?.failed(operation, sqlstateOf(event.error));
        return;
      }
      if (event.executionTime === undefined) return;
      this.metrics?.observe(operation, event.executionTime / 1000);
      if (event.executionTime >= this.slowQueryMs) {
        const statement = event.query.length > MAX_STATEMENT ? `${event.query.slice(0, MAX_STATEMENT)}…` : event.query;
        this.logger.warn({ operation, duration_ms: event.executionTime, statement }, 'slow query');
      }
    } catch (error) {
      this.internal.record('database', error);
    }
  }
}
