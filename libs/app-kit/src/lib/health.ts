import { withTimeout } from './with-timeout.js';

export type DependencyState = 'up' | 'down';

export interface ReadinessResult {
  status: 'ok' | 'error';
  checks: Record<string, DependencyState>;
}

/** Each check gets `timeoutMs`; one that throws or takes longer marks its dependency down. Checks run in parallel. */
export async function checkDependencies(
  checks: Record<string, () => Promise<unknown>>,
  timeoutMs = 1000,
): Promise<ReadinessResult> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, DependencyState]> => {
      try {
        await withTimeout(check(), timeoutMs);
        return [name, 'up'];
      } catch {
        return [name, 'down'];
      }
    }),
  );
  const result = Object.fromEntries(entries);
  return { status: entries.every(([, state]) => state === 'up') ? 'ok' : 'error', checks: result };
}
