import { describe, expect, it } from '@jest/globals';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import { defer, firstValueFrom, of } from 'rxjs';
import { getRequestId, runWithRequestId } from './correlation-context.js';
import { CorrelationInterceptor } from './correlation.interceptor.js';

function contextOf(type: string): ExecutionContext {
  return { getType: () => type } as ExecutionContext;
}

const readsId: CallHandler = { handle: () => defer(() => of(getRequestId())) };

describe('CorrelationInterceptor', () => {
  const interceptor = new CorrelationInterceptor(ClsServiceManager.getClsService());

  it('opens a context with a fresh id for a non-HTTP call that arrives without one', async () => {
    const id = await firstValueFrom(interceptor.intercept(contextOf('rpc'), readsId));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const other = await firstValueFrom(interceptor.intercept(contextOf('ws'), readsId));
    expect(other).not.toBe(id);
  });

  it('keeps the context a non-HTTP call already has', async () => {
    const id = await runWithRequestId('job-77', () => firstValueFrom(interceptor.intercept(contextOf('rpc'), readsId)));
    expect(id).toBe('job-77');
  });

  it('leaves HTTP alone: the server listener owns HTTP contexts', async () => {
    expect(await firstValueFrom(interceptor.intercept(contextOf('http'), readsId))).toBeUndefined();
  });

  it('replaces an invalid id given to runWithRequestId', () => {
    expect(runWithRequestId('bad id */', () => getRequestId())).toMatch(/^[0-9a-f-]{36}$/);
  });
});
