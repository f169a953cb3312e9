import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import pino from 'pino';
import { getRequestId, runWithRequestId } from '../correlation/correlation-context.js';
import { InternalErrors } from '../core/internal-errors.js';
import { BullInstrumentation } from './bull-instrumentation.js';
import { BullJobEvents } from './bull-job-events.js';
import { JobEvents } from './job-events.js';
import type { BullQueueClass } from './bull-types.js';

/** A stand-in for Bull's Queue with the three methods the instrumentation patches, recording what they got. */
function fakeQueueClass() {
  class FakeQueue {
    name = 'fake';
    added: unknown[][] = [];
    bulk: unknown[] = [];
    handlers: Record<string, (...args: unknown[]) => unknown> = {};
    on() {
      return this;
    }
    async getJobCounts() {
      return {};
    }
    async getWorkers() {
      return [];
    }
  }
  const proto = FakeQueue.prototype as unknown as Record<string, unknown>;
  proto.add = function (this: FakeQueue, ...args: unknown[]) {
    this.added.push(args);
    return Promise.resolve(args);
  };
  proto.addBulk = function (this: FakeQueue, jobs: unknown) {
    this.bulk.push(jobs);
    return Promise.resolve(jobs);
  };
  proto.setHandler = function (this: FakeQueue, name: string, handler: (...args: unknown[]) => unknown) {
    this.handlers[name] = handler;
  };
  return FakeQueue;
}

describe('BullInstrumentation', () => {
  let instrumentation: BullInstrumentation | undefined;
  afterEach(() => instrumentation?.uninstall());

  function install() {
    const Queue = fakeQueueClass();
    const internal = new InternalErrors(new Registry());
    instrumentation = new BullInstrumentation(Queue as unknown as BullQueueClass, {
      serviceName: 'api',
      internal,
      events: new BullJobEvents(new JobEvents(pino({ level: 'silent' }), internal), internal),
      currentRoute: () => '/things/:id',
    });
    instrumentation.install();
    return new Queue() as InstanceType<typeof Queue> & { add(...a: unknown[]): Promise<unknown>; addBulk(j: unknown): Promise<unknown>; setHandler(n: string, h: unknown): void };
  }

  it('stamps the context into the options of every add() form, keeping the caller options', async () => {
    const queue = install();
    await runWithRequestId('r-1', async () => {
      await queue.add({ a: 1 });
      await queue.add({ a: 2 }, { attempts: 2 });
      await queue.add('named', { a: 3 });
      await queue.add('named', { a: 4 }, { delay: 5 });
    });
    const context = { v: 1, request_id: 'r-1', service: 'api', route: '/things/:id' };
    expect(queue.added).toEqual([
      [{ a: 1 }, { observabilityContext: context }],
      [{ a: 2 }, { attempts: 2, observabilityContext: context }],
      ['named', { a: 3 }, { observabilityContext: context }],
      ['named', { a: 4 }, { delay: 5, observabilityContext: context }],
    ]);
  });

  it('leaves jobs added outside a context, and repeatable jobs, without context', async () => {
    const queue = install();
    await queue.add('x', { a: 1 }, { attempts: 1 });
    await runWithRequestId('r-2', () => queue.add('x', { a: 2 }, { repeat: { every: 1000 } }));
    expect(queue.added).toEqual([
      ['x', { a: 1 }, { attempts: 1 }],
      ['x', { a: 2 }, { repeat: { every: 1000 } }],
    ]);
  });

  it('stamps every job of addBulk', async () => {
    const queue = install();
    await runWithRequestId('r-3', () => queue.addBulk([{ name: 'a', data: 1 }, { name: 'b', data: 2, opts: { priority: 1 } }]));
    expect(queue.bulk[0]).toEqual([
      { name: 'a', data: 1, opts: expect.objectContaining({ observabilityContext: expect.objectContaining({ request_id: 'r-3' }) }) },
      { name: 'b', data: 2, opts: expect.objectContaining({ priority: 1, observabilityContext: expect.objectContaining({ request_id: 'r-3' }) }) },
    ]);
  });

  it('wraps processors keeping their arity (Bull picks callback or promise style from it) and restores the context', async () => {
    const queue = install();
    const promiseStyle = async (_job: unknown) => getRequestId();
    const callbackStyle = (_job: unknown, done: (e: unknown, r: unknown) => void) => done(null, getRequestId());
    queue.setHandler('p', promiseStyle);
    queue.setHandler('c', callbackStyle);
    expect(queue.handlers.p.length).toBe(1);
    expect(queue.handlers.c.length).toBe(2);
    const job = { id: 1, name: 'p', attemptsMade: 0, timestamp: 0, opts: { observabilityContext: { v: 1, request_id: 'from-api' } } };
    expect(await queue.handlers.p(job)).toBe('from-api');
    const viaCallback = await new Promise((resolve) => queue.handlers.c(job, (_e: unknown, r: unknown) => resolve(r)));
    expect(viaCallback).toBe('from-api');
  });

  it('restores nothing from a repeatable job, which runs under a fresh id', async () => {
    const queue = install();
    queue.setHandler('p', async () => getRequestId());
    const job = { id: 2, name: 'p', attemptsMade: 0, timestamp: 0, opts: { repeat: { every: 5 }, observabilityContext: { v: 1, request_id: 'old' } } };
    expect(await queue.handlers.p(job)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('restores the original Bull methods on uninstall', () => {
    const Queue = fakeQueueClass();
    const original = (Queue.prototype as unknown as { add: unknown }).add;
    const internal = new InternalErrors(new Registry());
    const inst = new BullInstrumentation(Queue as unknown as BullQueueClass, {
      serviceName: 'x',
      internal,
      events: new BullJobEvents(new JobEvents(pino({ level: 'silent' }), internal), internal),
      currentRoute: () => undefined,
    });
    inst.install();
    expect((Queue.prototype as unknown as { add: unknown }).add).not.toBe(original);
    inst.uninstall();
    expect((Queue.prototype as unknown as { add: unknown }).add).toBe(original);
  });
});
