import { describe, expect, it } from '@jest/globals';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { InternalErrors } from '../core/internal-errors.js';
import { renderMetrics } from './exposition.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { NewSeriesHold } from './new-series-hold.js';

const lines = (body: string, prefix: string) => body.split('\n').filter((l) => l.startsWith(prefix));

function registryWithSeries() {
  const registry = new (Registry as unknown as new (type: string) => Registry)(Registry.OPENMETRICS_CONTENT_TYPE);
  const errors = new Counter({ name: 'app_errors_total', help: 'e', labelNames: ['error_type'], registers: [registry] });
  const duration = new Histogram({ name: 'job_seconds', help: 'd', labelNames: ['queue'], buckets: [1, 5], enableExemplars: true, registers: [registry] });
  const depth = new Gauge({ name: 'depth', help: 'g', registers: [registry] });
  return { registry, errors, duration, depth };
}

describe('NewSeriesHold', () => {
  it('holds for half the timeout the scraper announces, at most 30 s, and not without one', () => {
    expect(NewSeriesHold.holdMs('10')).toBe(5000);
    expect(NewSeriesHold.holdMs('0.5')).toBe(250);
    expect(NewSeriesHold.holdMs('600')).toBe(30_000);
    for (const none of [undefined, '', 'soon', '-1', '0']) expect(NewSeriesHold.holdMs(none)).toBe(0);
  });

  it('shows a new counter series at zero until its hold has passed, then as it is; a gauge as it is', async () => {
    const { registry, errors, depth } = registryWithSeries();
    errors.inc({ error_type: 'TypeError' }, 3);
    depth.set(7);
    const hold = new NewSeriesHold();
    const at = async (t: number) => (await renderMetrics(registry, 'text', hold.forScrape(t, 5000).held)).body;
    expect(lines(await at(1000), 'app_errors_total{')).toEqual(['app_errors_total{error_type="TypeError"} 0']);
    expect(lines(await at(1000), 'depth')).toEqual(['depth 7']);
    expect(lines(await at(5999), 'app_errors_total{')).toEqual(['app_errors_total{error_type="TypeError"} 0']);
    expect(lines(await at(6000), 'app_errors_total{')).toEqual(['app_errors_total{error_type="TypeError"} 3']);
    // A kind of error seen later is held from its own first showing; the first keeps its value.
    errors.inc({ error_type: 'RangeError' });
    expect(lines(await at(7000), 'app_errors_total{')).toEqual(['app_errors_total{error_type="TypeError"} 3', 'app_errors_total{error_type="RangeError"} 0']);
    expect(lines(await at(12_000), 'app_errors_total{')).toEqual(['app_errors_total{error_type="TypeError"} 3', 'app_errors_total{error_type="RangeError"} 1']);
  });

  it("holds a histogram's buckets, sum and count together, without their exemplar", async () => {
    const { registry, duration } = registryWithSeries();
    (duration as unknown as { observe(data: object): void }).observe({ labels: { queue: 'sync' }, value: 2, exemplarLabels: { request_id: 'r-1' } });
    const hold = new NewSeriesHold();
    const held = (await renderMetrics(registry, 'openmetrics', hold.forScrape(0, 5000).held)).body;
    expect(lines(held, 'job_seconds_').every((l) => / 0$/.test(l))).toBe(true);
    expect(lines(held, 'job_seconds_')).toHaveLength(5);
    const shown = (await renderMetrics(registry, 'openmetrics', hold.forScrape(5000, 5000).held)).body;
    expect(lines(shown, 'job_seconds_bucket{le="5",queue="sync"}')[0]).toMatch(/^job_seconds_bucket\{le="5",queue="sync"\} 1 # \{request_id="r-1"\} 2 /);
    expect(lines(shown, 'job_seconds_count')).toEqual(['job_seconds_count{queue="sync"} 1']);
  });

  it('forgets a series a complete scrape did not show: when the app brings it back, it is held again', async () => {
    const { registry, errors } = registryWithSeries();
    errors.inc({ error_type: 'TypeError' }, 2);
    const hold = new NewSeriesHold();
    const at = async (t: number, finish = true) => {
      const scrape = hold.forScrape(t, 5000);
      const body = (await renderMetrics(registry, 'text', scrape.held)).body;
      if (finish) scrape.done();
      return lines(body, 'app_errors_total{');
    };
    expect(await at(0)).toEqual(['app_errors_total{error_type="TypeError"} 0']);
    expect(await at(10_000)).toEqual(['app_errors_total{error_type="TypeError"} 2']);
    errors.remove({ error_type: 'TypeError' });
    expect(await at(20_000)).toEqual([]);
    errors.inc({ error_type: 'TypeError' });
    // Prometheus marked it stale when it went: shown as it is, this 1 would be its first sample and never counted.
    expect(await at(30_000)).toEqual(['app_errors_total{error_type="TypeError"} 0']);
    expect(await at(40_000)).toEqual(['app_errors_total{error_type="TypeError"} 1']);
    // A scrape that did not finish rendering forgets nothing.
    errors.remove({ error_type: 'TypeError' });
    expect(await at(50_000, false)).toEqual([]);
    errors.inc({ error_type: 'TypeError' });
    expect(await at(60_000)).toEqual(['app_errors_total{error_type="TypeError"} 1']);
  });

  it('keeps a series that an overlapping later scrape showed, when an earlier one finishes after it', async () => {
    const { registry, errors } = registryWithSeries();
    const hold = new NewSeriesHold();
    const early = hold.forScrape(0, 5000);
    const late = hold.forScrape(1, 5000);
    errors.inc({ error_type: 'TypeError' });
    expect(late.held('app_errors_total{error_type="TypeError"}')).toBe(true);
    expect(early.held('app_errors_total{error_type="TypeError"}')).toBe(true);
    late.done();
    early.done();
    // Still remembered from its first showing at 1: past the hold at 5001.
    expect(lines((await renderMetrics(registry, 'text', hold.forScrape(5001, 5000).held)).body, 'app_errors_total{')).toEqual([
      'app_errors_total{error_type="TypeError"} 1',
    ]);
  });

  it('holds only scrapes that announce a scrape timeout: a person reading the endpoint sees the counts, and does not use up the hold', async () => {
    const { registry, errors } = registryWithSeries();
    errors.inc({ error_type: 'TypeError' });
    const endpoint = new MetricsEndpoint(registry, { path: '/metrics', newSeriesAtZero: true }, new InternalErrors(new Registry()));
    const server = await endpoint.listen(0, '127.0.0.1');
    try {
      const { port } = server.address() as { port: number };
      const scrape = async (headers: Record<string, string> = {}) => lines(await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers })).text(), 'app_errors_total{');
      expect(await scrape()).toEqual(['app_errors_total{error_type="TypeError"} 1']);
      expect(await scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '10' })).toEqual(['app_errors_total{error_type="TypeError"} 0']);
      expect(await scrape()).toEqual(['app_errors_total{error_type="TypeError"} 1']);
      const off = new MetricsEndpoint(registry, { path: '/metrics', newSeriesAtZero: false }, new InternalErrors(new Registry()));
      const offServer = await off.listen(0, '127.0.0.1');
      const offPort = (offServer.address() as { port: number }).port;
      const text = await (await fetch(`http://127.0.0.1:${offPort}/metrics`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '10' } })).text();
      offServer.close();
      expect(lines(text, 'app_errors_total{')).toEqual(['app_errors_total{error_type="TypeError"} 1']);
    } finally {
      server.close();
    }
  });
});
