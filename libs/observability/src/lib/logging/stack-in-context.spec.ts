import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Injectable, Logger as NestLogger, Module, type OnModuleDestroy } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { CaptureStream } from '../../../../../tools/testing/log-capture.js';
import { ObservabilityModule } from '../observability.module.js';
import { keepStackInErr } from './stack-in-context.js';

const stack = 'Error: Connection is closed.\n    at EventEmitter.connectionCloseHandler (ioredis/built/Redis.js:220:28)';

describe('keepStackInErr', () => {
  it('takes a stack out of context: into err for a message, dropped for an Error that has it', () => {
    const err = Object.assign(new Error('Connection is closed.'), { stack });
    expect(keepStackInErr([{ context: stack, err }])).toEqual([{ err }]);
    expect(keepStackInErr([{ context: stack }, 'it failed'])).toEqual([{ err: { type: 'Error', message: 'it failed', stack } }, 'it failed']);
    // Error, stack, context: nestjs-pino made the stack the message.
    expect(keepStackInErr([{ context: 'Hooks', err }, stack])).toEqual([{ context: 'Hooks', err }]);
  });

  it('leaves every other call as it is', () => {
    const calls = [[{ context: 'RoutesResolver' }, 'Mapped {/x, GET} route'], ['plain'], [{ err: new Error('x') }, 'a message'], [{ context: 'multi\nline' }, 'm']];
    for (const args of calls) expect(keepStackInErr(args)).toBe(args);
  });
});

@Injectable()
class ClosesBadly implements OnModuleDestroy {
  async onModuleDestroy(): Promise<void> {
    throw Object.assign(new Error('Connection is closed.'), { stack });
  }
}

@Module({ providers: [ClosesBadly] })
class FeatureModule {}

describe('error lines of a Nest app through the module and nestjs-pino', () => {
  it("Nest's (error, stack) calls, its shutdown hooks' among them, keep the stack in err and context a name", async () => {
    const out = new CaptureStream();
    @Module({ imports: [ObservabilityModule.forRoot({ serviceName: 'svc', logging: { destination: out }, metrics: { registry: new Registry() } }), FeatureModule] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { bufferLogs: true, abortOnError: false });
    app.useLogger(app.get(Logger));
    await app.init();
    const err = Object.assign(new Error('by hand'), { stack: stack.replace('Connection is closed.', 'by hand') });
    NestLogger.error(err, err.stack);
    new NestLogger('Named').error('with a message', err.stack);
    await app.close();
    const errors = out.lines.filter((l) => l.level === 50);
    expect(errors.map((l) => l.msg)).toEqual(['by hand', 'with a message', 'Connection is closed.']);
    for (const line of errors) {
      expect(typeof line.context === 'string' ? line.context : '').not.toMatch(/\n\s*at /);
      expect(line.err.stack).toMatch(/\n\s*at /);
    }
    expect(errors[1].context).toBe('Named');
  });
});
