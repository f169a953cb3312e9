import { Injectable } from '@nestjs/common';
import { currentCorrelation, runWithRequestId } from './correlation-context.js';

/** Injectable access to the correlation of the current request or job. */
@Injectable()
export class CorrelationService {
  /** The current request id; undefined outside a request, job or `run()`. */
  get requestId(): string | undefined {
    return currentCorrelation()?.requestId;
  }

  /** Trace id of a valid incoming W3C `traceparent`, when there was one. */
  get traceId(): string | undefined {
    return currentCorrelation()?.traceId;
  }

  /** The validated incoming `traceparent` header, to forward unchanged on outgoing calls. */
  get traceparent(): string | undefined {
    return currentCorrelation()?.traceparent;
  }

  /** The validated `tracestate` that came with it (invalid members dropped), to forward beside it. */
  get tracestate(): string | undefined {
    return currentCorrelation()?.tracestate;
  }

  /** Runs `fn` in a fresh context carrying `requestId` (replaced by a new id when invalid or absent). */
  run<T>(requestId: string | undefined, fn: () => T): T {
    return runWithRequestId(requestId, fn);
  }
}
