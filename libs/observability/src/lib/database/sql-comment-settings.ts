import type { InternalErrors } from '../core/internal-errors.js';

/**
 * What the module tells the commenting pg client, which pg's pool creates outside Nest's DI: set when
 * ObservabilityModule starts, read on every statement. One app per process, like the root logger.
 */
export interface SqlCommentSettings {
  enabled: boolean;
  application?: string;
  prepend: boolean;
  internal?: InternalErrors;
}

let settings: SqlCommentSettings | undefined;

export function configureSqlComments(next: SqlCommentSettings | undefined): void {
  settings = next;
}

export function sqlCommentSettings(): SqlCommentSettings | undefined {
  return settings;
}
