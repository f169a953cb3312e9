import { Socket } from 'node:net';
import { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { InternalErrors } from '../core/internal-errors.js';
import { attachRecord } from './request-record.js';
import { ResponseIdHeader } from './response-id-header.js';

/** A real response of a request opened with `id`, its header deferred; `head()` is the head Node would send. */
function deferred(id = 'req-1') {
  const registry = new Registry();
  const header = new ResponseIdHeader({ header: 'X-Request-ID', headerKey: 'x-request-id' }, new InternalErrors(registry));
  const req = new IncomingMessage(new Socket());
  attachRecord({ req, requestId: id, start: 0 });
  const res = new ServerResponse(req);
  header.deferOn(res, id);
  const head = () => (res as unknown as { _header: string })._header;
  const ids = () => head().split('\r\n').filter((line) => /^x-request-id:/i.test(line));
  return { registry, header, res, head, ids };
}

describe('ResponseIdHeader', () => {
  it('leaves the raw response without headers until it is written, then adds the id', () => {
    const { res, ids } = deferred();
    expect(res.getHeaderNames()).toEqual([]);
    res.writeHead(200, { 'content-type': 'text/plain' });
    expect(ids()).toEqual(['X-Request-ID: req-1']);
  });

  it('adds it when the response is written without headers, or with a reason phrase', () => {
    const implicit = deferred();
    implicit.res.writeHead(204);
    expect(implicit.ids()).toEqual(['X-Request-ID: req-1']);
    const withReason = deferred();
    withReason.res.writeHead(200, 'Fine', { 'content-type': 'text/plain' });
    expect(withReason.head()).toMatch(/^HTTP\/1\.1 200 Fine/);
    expect(withReason.ids()).toEqual(['X-Request-ID: req-1']);
  });

  it.each([
    ['an object, other case', { 'X-REQUEST-ID': 'theirs' }],
    ['an object, lower case', { 'x-request-id': 'theirs' }],
    ['a flat array', ['Content-Type', 'text/plain', 'x-Request-Id', 'theirs']],
    ['an array of pairs', [['Content-Type', 'text/plain'], ['X-Request-Id', 'theirs']]],
  ])('keeps an id given to writeHead as %s, once', (_case, given) => {
    const { res, ids } = deferred();
    res.writeHead(200, given as never);
    expect(ids().map((line) => line.split(': ')[1])).toEqual(['theirs']);
  });

  it('keeps an id set on the raw response before', () => {
    const { res, ids } = deferred();
    res.setHeader('X-Request-ID', 'set-before');
    res.writeHead(200);
    expect(ids()).toEqual(['X-Request-ID: set-before']);
  });

  it("sets the header at once on a response with someone else's own writeHead", () => {
    const registry = new Registry();
    const header = new ResponseIdHeader({ header: 'X-Request-ID', headerKey: 'x-request-id' }, new InternalErrors(registry));
    const res = new ServerResponse(new IncomingMessage(new Socket()));
    const theirs = res.writeHead.bind(res);
    res.writeHead = theirs as typeof res.writeHead;
    header.deferOn(res, 'now');
    expect(res.writeHead).toBe(theirs);
    expect(res.getHeader('X-Request-ID')).toBe('now');
  });

  it("defers on a response whose prototype's writeHead was replaced (an instrumentation's), and writes through it", () => {
    const registry = new Registry();
    const header = new ResponseIdHeader({ header: 'X-Request-ID', headerKey: 'x-request-id' }, new InternalErrors(registry));
    let patchedCalls = 0;
    class PatchedResponse extends ServerResponse {}
    const original = ServerResponse.prototype.writeHead as (...args: unknown[]) => ServerResponse;
    (PatchedResponse.prototype as unknown as { writeHead: unknown }).writeHead = function (this: ServerResponse, ...args: unknown[]) {
      patchedCalls++;
      return original.apply(this, args);
    };
    const req = new IncomingMessage(new Socket());
    attachRecord({ req, requestId: 'deferred', start: 0 });
    const res = new PatchedResponse(req);
    header.deferOn(res, 'deferred');
    expect(res.getHeaderNames()).toEqual([]);
    res.writeHead(200);
    expect(patchedCalls).toBe(1);
    expect((res as unknown as { _header: string })._header).toMatch(/\r\nX-Request-ID: deferred\r\n/);
  });

  it('gives the reply the id unless it has one', () => {
    const { header } = deferred();
    const headers: Record<string, string> = {};
    const reply = { hasHeader: (name: string) => name in headers, header: (name: string, value: string) => (headers[name] = value) };
    header.addTo(reply, 'first');
    header.addTo(reply, 'second');
    expect(headers).toEqual({ 'x-request-id': 'first' });
  });

  it('writes the response as it was when adding the header fails, and counts the fault', async () => {
    const { registry, res, head } = deferred();
    res.hasHeader = () => {
      throw new Error('broken hasHeader');
    };
    const warn = process.emitWarning;
    process.emitWarning = () => undefined;
    try {
      res.writeHead(200, { 'content-type': 'text/plain' });
    } finally {
      process.emitWarning = warn;
    }
    expect(head()).toMatch(/^HTTP\/1\.1 200 OK\r\ncontent-type: text\/plain\r\n/);
    const faults = await registry.getSingleMetric('observability_internal_errors_total')!.get();
    expect(faults.values).toEqual([{ labels: { component: 'correlation' }, value: 1 }]);
  });
});
