// First, before any module that needs a peer: one clear error when a peer is missing or unsupported.
import './lib/peers/assert-peers.js';
export { ObservabilityModule } from './lib/observability.module.js';
export type {
  CorrelationOptions,
  DatabaseOptions,
  ErrorsOptions,
  LoggingOptions,
  MetricsOptions,
  ObservabilityAsyncOptions,
  ObservabilityOptions,
  QueueOptions,
} from './lib/options/observability.options.js';
export {
  DEFAULT_HTTP_DURATION_BUCKETS,
  DEFAULT_REQUEST_ID_HEADER,
  METRICS_REGISTRY,
  UNMATCHED_ROUTE,
} from './lib/core/constants.js';
export { CorrelationService } from './lib/correlation/correlation.service.js';
export { getRequestId, runWithRequestId } from './lib/correlation/correlation-context.js';
export { isValidRequestId } from './lib/correlation/request-id.js';
export { metricToken } from './lib/metrics/nestjs-prometheus.js';
export { sqlCommentingClient, type SqlCommentingClientOptions } from './lib/database/commenting-client.js';
