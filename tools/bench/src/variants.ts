import type { ObservabilityOptions } from '@commandcenter/observability';

/**
 * The variants of the HTTP-overhead scenario. `bare` is Nest without the module; `otel` is bare Nest started with
 * OpenTelemetry's auto-instrumentation (the runner adds the `--import`); `otel-all` is that plus the module with
 * everything on (what the module adds on top of OpenTelemetry); `off` imports the module with every feature off; the
 * others turn features on one at a time.
 */
export const VARIANTS = ['bare', 'otel', 'otel-all', 'off', 'correlation', 'metrics', 'errors', 'access-log', 'all-no-access-log', 'all'] as const;
export type Variant = (typeof VARIANTS)[number];

export function parseVariant(value: string | undefined): Variant {
  const variant = (value ?? 'all') as Variant;
  if (!VARIANTS.includes(variant)) throw new Error(`BENCH_VARIANT must be one of ${VARIANTS.join(', ')}; got ${JSON.stringify(value)}`);
  return variant;
}

/** Module options for a variant; undefined means the module is not imported at all. */
export function observabilityOptionsFor(variant: Variant): ObservabilityOptions | undefined {
  if (variant === 'bare' || variant === 'otel') return undefined;
  const on = (feature: Variant): boolean => variant === feature || variant === 'all' || variant === 'otel-all' || variant === 'all-no-access-log';
  return {
    serviceName: 'bench',
    correlation: { enabled: on('correlation') },
    metrics: { enabled: on('metrics') },
    errors: { enabled: on('errors') },
    logging: { enabled: on('access-log'), accessLog: variant !== 'all-no-access-log', level: 'info' },
    queue: { enabled: false },
    database: { enabled: false, queryComments: false },
  };
}
