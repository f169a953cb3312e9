import 'reflect-metadata';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Counter, register } from 'prom-client';
import { ObservabilityModule } from '../src/index.js';
import { CaptureStream } from '../../../tools/testing/log-capture.js';

// In addition to the consumer apps, which run the real @willsoto/nestjs-prometheus: its shape, as the module
// recognises it (an options provider under a symbol described PROMETHEUS_OPTIONS, a controller in the same module,
// metrics in prom-client's default registry), with a global prefix and a clash, on both adapters.
@Controller('metrics')
class StandInPrometheusController {
  @Get()
  index() {
    return 'answered by the controller';
  }
}

@Module({ providers: [{ provide: Symbol('PROMETHEUS_OPTIONS'), useValue: {} }], controllers: [StandInPrometheusController] })
class StandInPrometheusModule {}

describe.each(['express', 'fastify'] as const)('beside @willsoto/nestjs-prometheus (%s)', (adapter) => {
  let app: INestApplication | undefined;
  const logs = new CaptureStream();

  async function start(prefix?: string): Promise<string> {
    @Module({ imports: [ObservabilityModule.forRoot({ logging: { destination: logs } }), StandInPrometheusModule] })
    class AppModule {}
    app = await NestFactory.create(AppModule, adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter(), { logger: false });
    if (prefix) app.setGlobalPrefix(prefix);
    await app.listen(0, '127.0.0.1');
    return app.getUrl().then((url) => url.replace('[::1]', '127.0.0.1'));
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
    logs.clear();
    register.clear();
  });

  it('serves both registries on the controller’s path, before the controller, and says so', async () => {
    new Counter({ name: 'team_orders_total', help: 'Orders.' }).inc(3);
    const url = await start();
    await fetch(`${url}/metrics`);
    const res = await fetch(`${url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } });
    const body = await res.text();
    expect(body).not.toContain('answered by the controller');
    expect(body).toContain('team_orders_total 3');
    expect(body).toContain('http_requests_in_flight');
    expect(body.match(/^# TYPE process_cpu_user_seconds counter$/gm)).toHaveLength(1);
    expect(logs.lines.find((l) => l.msg?.startsWith('metrics:'))?.msg).toContain("PrometheusController's route /metrics is answered by ObservabilityModule");
  });

  it('leaves the controller its path behind a global prefix, and serves both on its own', async () => {
    new Counter({ name: 'team_orders_total', help: 'Orders.' }).inc();
    const url = await start('api');
    expect(await (await fetch(`${url}/api/metrics`)).text()).toBe('answered by the controller');
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('team_orders_total 1');
    expect(logs.lines.find((l) => l.msg?.startsWith('metrics:'))?.msg).toContain('PrometheusController still serves /api/metrics');
  });

  it('refuses at start-up a metric name registered in both registries', async () => {
    new Counter({ name: 'http_requests_total', help: 'The team’s own.' });
    await expect(start()).rejects.toThrow('metric "http_requests_total" is registered both by ObservabilityModule and in prom-client\'s default registry');
  });
});
