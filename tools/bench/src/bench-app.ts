// The HTTP-overhead bench app: built like the api (Nest 12, global ValidationPipe, one controller with a route
// parameter), no database. BENCH_VARIANT picks which observability features are on; BENCH_ADAPTER picks Express
// or Fastify; BENCH_SERIES pre-fills the metrics registry for the scrape-cost scenario. It prints
// `{"ready":<port>}` on stdout once listening.
import 'reflect-metadata';
import { Controller, type DynamicModule, Get, Module, Param, ParseIntPipe, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { METRICS_REGISTRY, ObservabilityModule, type ObservabilityOptions } from '@commandcenter/observability';
import type { Histogram, Registry } from 'prom-client';
import { observabilityOptionsFor, parseVariant } from './variants.js';

@Controller('items')
class ItemsController {
  @Get(':id')
  find(@Param('id', ParseIntPipe) id: number): { id: number; name: string; tags: string[] } {
    return { id, name: `item-${id}`, tags: ['bench', 'small'] };
  }
}

@Module({})
class BenchModule {
  static register(observability: ObservabilityOptions | undefined): DynamicModule {
    return {
      module: BenchModule,
      imports: observability ? [ObservabilityModule.forRoot(observability)] : [],
      controllers: [ItemsController],
    };
  }
}

/** Adds histogram and counter series under made-up route templates until the registry holds `target` series. */
async function fillRegistry(registry: Registry, target: number): Promise<number> {
  const duration = registry.getSingleMetric('http_request_duration_seconds') as Histogram<string> | undefined;
  const requests = registry.getSingleMetric('http_requests_total') as Histogram<string> | undefined;
  if (!duration || !requests) throw new Error('BENCH_SERIES needs the metrics feature on');
  const count = async (): Promise<number> => (await registry.metrics()).split('\n').filter((l) => l && !l.startsWith('#')).length;
  let series = await count();
  for (let i = 0; series < target; i++) {
    // About 18 series per route (16 buckets, sum, count, the counter): add no more routes than the gap needs.
    const routes = Math.max(1, Math.min(50, Math.ceil((target - series) / 18)));
    for (let j = 0; j < routes; j++) {
      const labels = { method: 'GET', route: `/bench/r${i}_${j}/:id`, status_code: '200' };
      duration.observe({ labels, value: 0.003 * (j + 1), exemplarLabels: { request_id: `fill-${i}-${j}` } });
      (requests as unknown as { inc(l: Record<string, string>): void }).inc(labels);
    }
    series = await count();
  }
  return series;
}

async function main(): Promise<void> {
  const variant = parseVariant(process.env.BENCH_VARIANT);
  const adapter = process.env.BENCH_ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const observability = observabilityOptionsFor(variant);
  const app = await NestFactory.create(BenchModule.register(observability), adapter, { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
  const target = Number(process.env.BENCH_SERIES ?? 0);
  let series: number | undefined;
  if (target > 0) series = await fillRegistry(app.get<Registry>(METRICS_REGISTRY), target);
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const address = app.getHttpServer().address();
  process.stderr.write(`${JSON.stringify({ ready: typeof address === 'object' && address ? address.port : undefined, series })}\n`);
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench app failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
