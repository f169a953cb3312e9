import 'reflect-metadata';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  ImATeapotException,
  UseFilters,
  type CallHandler,
  type CanActivate,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Injectable,
  Logger,
  Module,
  type NestInterceptor,
  NotFoundException,
  Param,
  type PipeTransform,
  Query,
  UseGuards,
  UseInterceptors,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Registry } from 'prom-client';
import { CorrelationService, getRequestId, ObservabilityModule, type ObservabilityOptions } from '../../src/index.js';
import { CaptureStream } from '../../../../tools/testing/log-capture.js';

export type AdapterKind = 'express' | 'fastify';

const log = new Logger('TestApp');

@Injectable()
class SeesContextGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    if (request.headers['x-test-user']) request.user = { id: request.headers['x-test-user'] };
    log.log(`guard saw ${getRequestId()}`);
    return true;
  }
}

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    log.log('deny guard ran');
    throw new ForbiddenException('not for you');
  }
}

@Injectable()
class SeesContextInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    log.log(`interceptor saw ${getRequestId()}`);
    return next.handle();
  }
}

@Injectable()
class SeesContextPipe implements PipeTransform {
  transform(value: unknown) {
    log.log(`pipe saw ${getRequestId()}`);
    return value;
  }
}

class KaboomError extends Error {}

/** A user's own filter: it must see the context and log through Nest's Logger with the id. */
@Catch(ImATeapotException)
class TeapotFilter implements ExceptionFilter {
  catch(_exception: ImATeapotException, host: ArgumentsHost) {
    log.log(`filter saw ${getRequestId()}`);
    const response = host.switchToHttp().getResponse();
    const raw = response.raw ?? response;
    raw.statusCode = 418;
    raw.setHeader('content-type', 'application/json');
    raw.end(JSON.stringify({ teapot: true, requestId: getRequestId() }));
  }
}

@Controller()
@UseGuards(SeesContextGuard)
@UseInterceptors(SeesContextInterceptor)
class TestController {
  constructor(private readonly correlation: CorrelationService) {}

  @Get('items/:id')
  item(@Param('id', SeesContextPipe) id: string) {
    log.log(`handler saw ${this.correlation.requestId}`);
    const { requestId, traceId, traceparent, tracestate } = this.correlation;
    return { id, requestId, traceId: traceId ?? null, traceparent: traceparent ?? null, tracestate: tracestate ?? null };
  }

  @Get('missing/:id')
  missing(@Param('id') id: string) {
    throw new NotFoundException(`item ${id} not found`);
  }

  @Get('boom')
  boom() {
    throw new KaboomError(`kaboom for ${Math.random()}`);
  }

  @Get('boom-async')
  async boomAsync() {
    await new Promise((r) => setTimeout(r, 1));
    throw new TypeError('async failure');
  }

  @Get('teapot')
  @UseFilters(TeapotFilter)
  teapot() {
    throw new ImATeapotException();
  }

  @Get('denied')
  @UseGuards(DenyGuard)
  denied() {
    return 'never';
  }

  @Get('slow')
  async slow(@Query('ms') ms = '10') {
    log.log('slow start');
    await new Promise((r) => setTimeout(r, Number(ms)));
    log.log('slow end');
    return { requestId: getRequestId() };
  }

  @Get('health')
  health() {
    return { status: 'ok' };
  }
}

export interface TestApp {
  app: INestApplication;
  url: string;
  logs: CaptureStream;
  registry: Registry;
  close(): Promise<void>;
}

/**
 * Boots a real Nest application with ObservabilityModule on the given adapter, listening on a free port.
 * nestjs-pino keeps one root logger per process, so a test file shares one capture stream across its apps.
 */
export async function startTestApp(adapter: AdapterKind, logs: CaptureStream, options: ObservabilityOptions = {}): Promise<TestApp> {
  const registry = new Registry();
  @Module({
    imports: [
      ObservabilityModule.forRoot({
        serviceName: 'test-app',
        metricPrefix: 'testapp',
        ...options,
        logging: { level: 'debug', destination: logs, ...options.logging },
        metrics: { registry, ...options.metrics },
      }),
    ],
    controllers: [TestController],
    providers: [SeesContextGuard, DenyGuard, SeesContextInterceptor, SeesContextPipe],
  })
  class TestAppModule {}

  const app =
    adapter === 'express'
      ? await NestFactory.create(TestAppModule, new ExpressAdapter(), { logger: false, abortOnError: false })
      : await NestFactory.create(TestAppModule, new FastifyAdapter(), { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, logs, registry, close: () => app.close() };
}
