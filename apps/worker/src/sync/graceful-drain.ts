import type { Logger } from '@nestjs/common';
import { TimeoutError, withTimeout } from '@commandcenter/app-kit';

/**
 * SIGTERM, on either queue library: stop taking jobs and give the active ones `timeoutMs` to finish (`drain`); if
 * they do not, `abandon` stops waiting, and another worker retries them once their lock expires.
 */
export async function drainWithin(
  timeoutMs: number,
  logger: Logger,
  signal: string | undefined,
  drain: () => Promise<unknown>,
  abandon: () => Promise<unknown>,
): Promise<void> {
  const started = Date.now();
  logger.log(`shutting down (${signal ?? 'no signal'}): no new jobs, waiting up to ${timeoutMs} ms for active ones`);
  const drained = await withTimeout(drain(), timeoutMs).then(
    () => true,
    (error: unknown) => {
      if (error instanceof TimeoutError) return false;
      throw error;
    },
  );
  if (!drained) {
    logger.warn('active jobs did not finish in time; they will be retried by another worker once their lock expires');
    await abandon();
  } else {
    logger.log(`active jobs finished in ${Date.now() - started} ms`);
  }
}
