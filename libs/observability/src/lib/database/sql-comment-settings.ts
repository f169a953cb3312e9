import type { InternalErrors } from '../core/internal-errors.js';
import type { OpenTelemetryBridge } from '../opentelemetry/active-span.js';

/**
 * What the module tells the commenting pg client, which pg's pool creates outside Nest's DI: set when
 * ObservabilityModule starts, read on every statement. One app per process, like the root logger.
 */
export interface SqlCommentSettings {
  enabled: boolean;
  application?: string;
  prepend: boolean;
  internal?: InternalErrors;
  /** With an OpenTelemetry SDK: the comment's traceparent names the span that sent the statement. */
  openTelemetry?: OpenTelemetryBridge;
}

let settings: SqlCommentSettings | undefined;

export function configureSqlComments(next: SqlCommentSettings | undefined): void {
  settings = next;
}

export function sqlCommentSettings(): SqlCommentSettings | undefined {
  return settings;
}

/**
 * The module's settings for the life of the app: set when the module's providers are made (before TypeORM's first
 * statement), cleared when the app shuts down, so a later app in the same process starts from nothing.
 */
export class SqlCommentSettingsScope {
  constructor(settings: SqlCommentSettings) {
    configureSqlComments(settings);
  }

  onModuleDestroy(): void {
    configureSqlComments(undefined);
  }
}
