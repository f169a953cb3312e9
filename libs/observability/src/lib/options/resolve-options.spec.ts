import { describe, expect, it } from '@jest/globals';
import { featureFlag, resolveOptions } from './resolve-options.js';

describe('resolveOptions', () => {
  it('turns every feature on by default', () => {
    const o = resolveOptions({}, {});
    expect([o.correlation.enabled, o.logging.enabled, o.errors.enabled, o.metrics.enabled]).toEqual([true, true, true, true]);
    expect(o.metrics.path).toBe('/metrics');
    expect(o.logging.accessLogExclude).toEqual(['/health', '/health/*', '/metrics']);
  });

  it('turns a feature off by option or by OBSERVABILITY_<FEATURE>_ENABLED=false', () => {
    expect(resolveOptions({ metrics: { enabled: false } }, {}).metrics.enabled).toBe(false);
    const env = { OBSERVABILITY_LOGGING_ENABLED: 'false', OBSERVABILITY_ERRORS_ENABLED: '0' };
    const o = resolveOptions({}, env);
    expect(o.logging.enabled).toBe(false);
    expect(o.errors.enabled).toBe(false);
    expect(o.correlation.enabled).toBe(true);
    expect(resolveOptions({}, {}).logging.accessLog).toBe(true);
    expect(resolveOptions({}, { OBSERVABILITY_ACCESS_LOG_ENABLED: 'false' }).logging.accessLog).toBe(false);
    expect(() => resolveOptions({}, { OBSERVABILITY_ACCESS_LOG_ENABLED: 'sometimes' })).toThrow('OBSERVABILITY_ACCESS_LOG_ENABLED="sometimes"');
    // The environment cannot turn on what the code turned off.
    expect(resolveOptions({ correlation: { enabled: false } }, { OBSERVABILITY_CORRELATION_ENABLED: 'true' }).correlation.enabled).toBe(false);
  });

  it('rejects a flag that is not a boolean word, naming the variable', () => {
    expect(() => featureFlag({ OBSERVABILITY_METRICS_ENABLED: 'maybe' }, 'METRICS')).toThrow('OBSERVABILITY_METRICS_ENABLED="maybe"');
  });

  it('reads LOG_LEVEL and rejects unknown levels', () => {
    expect(resolveOptions({}, { LOG_LEVEL: 'WARN' }).logging.level).toBe('warn');
    expect(() => resolveOptions({}, { LOG_LEVEL: 'loud' })).toThrow('log level "loud"');
  });

  it('reads the metrics port and token from the environment and rejects bad ones', () => {
    expect(resolveOptions({}, { OBSERVABILITY_METRICS_PORT: '9464', OBSERVABILITY_METRICS_TOKEN: 'abc.DEF-123' }).metrics).toMatchObject({
      port: 9464,
      bearerToken: 'abc.DEF-123',
    });
    expect(() => resolveOptions({}, { OBSERVABILITY_METRICS_PORT: 'ninety' })).toThrow('metrics port');
    expect(() => resolveOptions({ metrics: { bearerToken: 'has space' } }, {})).toThrow('bearer token');
  });

  it('keeps the header name as given and derives its lower-case key once', () => {
    const { correlation } = resolveOptions({ correlation: { header: 'X-Correlation-Id' } }, {});
    expect([correlation.header, correlation.headerKey]).toEqual(['X-Correlation-Id', 'x-correlation-id']);
  });

  it('rejects bad prefixes, header names, paths and buckets', () => {
    expect(() => resolveOptions({ metricPrefix: 'my-app' }, {})).toThrow('metricPrefix');
    expect(() => resolveOptions({ correlation: { header: 'X Request' } }, {})).toThrow('header');
    expect(() => resolveOptions({ metrics: { path: 'metrics' } }, {})).toThrow('metrics.path');
    expect(() => resolveOptions({ metrics: { durationBuckets: [1, 0.5] } }, {})).toThrow('durationBuckets');
  });

  it("completes custom duration buckets with the bounds the alert rules read, and says which it added", () => {
    const custom = resolveOptions({ metrics: { durationBuckets: [0.1, 0.3, 2] } }, {});
    expect(custom.metrics.durationBuckets).toEqual([0.1, 0.3, 0.5, 1, 2]);
    expect(custom.metrics.addedBuckets).toEqual([0.5, 1]);
    expect(resolveOptions({}, {}).metrics.addedBuckets).toEqual([]);
    const own = resolveOptions({ metrics: { durationBuckets: [0.1, 0.3, 2], requiredBuckets: [0.3, 0.25] } }, {});
    expect(own.metrics.durationBuckets).toEqual([0.1, 0.25, 0.3, 2]);
    expect(own.metrics.addedBuckets).toEqual([0.25]);
    expect(resolveOptions({ metrics: { durationBuckets: [2], requiredBuckets: [] } }, {}).metrics.durationBuckets).toEqual([2]);
    expect(() => resolveOptions({ metrics: { requiredBuckets: [0] } }, {})).toThrow('metrics.requiredBuckets must be positive numbers');
  });
});
