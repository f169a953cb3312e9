/** The rejection of `withTimeout` when the time ran out (as opposed to the promise's own failure). */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * `promise`, or a TimeoutError with `message` once `ms` have passed, whichever comes first. The timer is cleared either
 * way, and a late rejection of `promise` is caught, so it never surfaces as an unhandled rejection.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message = `took longer than ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(message)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
