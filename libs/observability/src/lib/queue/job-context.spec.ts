import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createJobContext, JOB_CONTEXT_OPTION, jobRequestId, readJobContext, restoredRequestId, restoreJobContext } from './job-context.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('job context', () => {
  it('stores where a job came from, and round-trips the id, traceparent and tracestate through JSON, as Bull stores it', () => {
    const trace = { traceparent: TRACEPARENT, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' };
    const stored = JSON.parse(JSON.stringify(createJobContext('req-1', trace, 'api', '/api/v1/repositories/:id/sync')));
    expect(stored).toEqual({ v: 1, request_id: 'req-1', ...trace, service: 'api', route: '/api/v1/repositories/:id/sync' });
    expect(readJobContext(stored)).toEqual({
      requestId: 'req-1',
      trace: expect.objectContaining({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', traceparent: TRACEPARENT, tracestate: trace.tracestate }),
    });
  });

  it('carries no tracestate without a traceparent, and drops invalid members read back', () => {
    expect(createJobContext('req-2', { tracestate: 'rojo=1' }, 'api', undefined)).toEqual({ v: 1, request_id: 'req-2', service: 'api' });
    const restored = readJobContext({ request_id: 'req-3', traceparent: TRACEPARENT, tracestate: 'Bad=1,rojo=2' });
    expect(restored?.trace?.tracestate).toBe('rojo=2');
    expect(readJobContext({ request_id: 'req-4', traceparent: 'nope', tracestate: 'rojo=2' })).toEqual({ requestId: 'req-4' });
  });

  it('refuses a forged or broken context: no id, an invalid id, a non-object', () => {
    expect(readJobContext(undefined)).toBeUndefined();
    expect(readJobContext('req-1')).toBeUndefined();
    expect(readJobContext({ request_id: "x*/ DROP TABLE t; /*" })).toBeUndefined();
    expect(readJobContext({ request_id: 42 })).toBeUndefined();
  });

  it('drops an invalid traceparent and keeps the id', () => {
    expect(readJobContext({ request_id: 'ok', traceparent: 'nope', service: 'a\nb', route: 'x'.repeat(300) })).toEqual({ requestId: 'ok' });
  });

  it('never throws and never returns an invalid id, whatever is stored (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const restored = readJobContext(value);
        if (restored) expect(restored.requestId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      }),
      { numRuns: 1000 },
    );
  });

  it("names the id readJobContext restores, and nothing else, whatever is stored (property): the job lines' request_id", () => {
    const stored = fc.oneof(
      fc.anything(),
      fc.record({ request_id: fc.oneof(fc.string(), fc.uuid(), fc.anything()), traceparent: fc.oneof(fc.constant(TRACEPARENT), fc.string()) }),
    );
    fc.assert(
      fc.property(stored, (value) => {
        expect(jobRequestId(value)).toBe(readJobContext(value)?.requestId);
      }),
      { numRuns: 2000 },
    );
    expect(jobRequestId({ request_id: 'req-9', traceparent: 'nope' })).toBe('req-9');
    expect(jobRequestId({ request_id: 'x*/ DROP TABLE t; /*' })).toBeUndefined();
  });

  it("names a job's event lines by the id restored around its processor, and checks any other job's", () => {
    const job = { opts: { [JOB_CONTEXT_OPTION]: { v: 1, request_id: 'req-4' } } };
    expect(restoreJobContext(job)?.requestId).toBe('req-4');
    // What Redis holds may change afterwards: the line names the id the job ran under.
    job.opts[JOB_CONTEXT_OPTION].request_id = 'req-5';
    expect(restoredRequestId(job)).toBe('req-4');
    // A job whose context was not restored here (another process ran it, or none was valid) is checked.
    expect(restoredRequestId({ opts: { [JOB_CONTEXT_OPTION]: { v: 1, request_id: 'req-6' } } })).toBe('req-6');
    const invalid = { opts: { [JOB_CONTEXT_OPTION]: { v: 1, request_id: 'x*/ DROP TABLE t; /*' } } };
    expect(restoreJobContext(invalid)).toBeUndefined();
    expect(restoredRequestId(invalid)).toBeUndefined();
    expect(restoredRequestId({})).toBeUndefined();
  });
});
