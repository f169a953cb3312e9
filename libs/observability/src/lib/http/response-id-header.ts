import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { InternalErrors } from '../core/internal-errors.js';
import { requestRecord } from './request-record.js';

export interface ReplyHeaders {
  hasHeader(name: string): boolean;
  header(name: string, value: string): unknown;
}

type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/**
 * The request id's response header when Fastify writes the response. Fastify sends a reply with
 * `writeHead(status, headers)`; once anything was set on the raw response before, Node passes each of those headers
 * through `setHeader` again: 0.6 to 1.4 µs a request in the bench app, paired round by round on two machines
 * (docs/performance-log.md, "Thirty-second look" and "Thirty-third look"). So on Fastify the module's onRequest hook
 * puts the id among the reply's headers, and the raw response gets it here, as it is written, only when the headers
 * it is written with lack it: a reply sent before that hook ran (an earlier hook's 401 or 429,
 * a bad URL, 503 while closing) or one written on the raw response (a hijacked reply, Server-Sent Events).
 */
export class ResponseIdHeader {
  private readonly name: string;
  private readonly key: string;
  /** One function for every response (an own property of each, not a closure per request). */
  private readonly writeHead: WriteHead;

  /** `correlation`: the resolved options' header name, as given and in lower case. */
  constructor(correlation: { header: string; headerKey: string }, internal: InternalErrors) {
    const name = (this.name = correlation.header);
    const key = (this.key = correlation.headerKey);
    this.writeHead = function writeHeadWithRequestId(this: ServerResponse) {
      // Before the original, and never instead of it: a fault here leaves the response as it was.
      try {
        const given = (typeof arguments[1] === 'string' ? arguments[2] : arguments[1]) as OutgoingHttpHeaders | unknown[] | undefined;
        const id = requestRecord(this.req)?.requestId;
        if (id && !this.hasHeader(key) && !carries(given, key)) this.setHeader(name, id);
      } catch (error) {
        internal.record('correlation', error);
      }
      return (Object.getPrototypeOf(this) as { writeHead: WriteHead }).writeHead.apply(this, arguments as unknown as unknown[]);
    };
  }

  /** When the request is opened: the response gets the id as it is written, unless its headers carry one by then. */
  deferOn(res: ServerResponse, id: string): void {
    // Someone else's own writeHead is theirs to keep: the header goes on now, as on Express. (A comparison with the
    // prototype's rather than Object.hasOwn, which searches the response's 40-odd own properties.)
    if (res.writeHead !== (Object.getPrototypeOf(res) as ServerResponse).writeHead) res.setHeader(this.name, id);
    else (res as unknown as { writeHead: WriteHead }).writeHead = this.writeHead;
  }

  /** From Fastify's onRequest hook: the reply's headers get the id, unless an earlier hook gave them one. */
  addTo(reply: ReplyHeaders, id: string): void {
    if (!reply.hasHeader(this.key)) reply.header(this.key, id);
  }
}

/** Whether headers given to writeHead (an object, or a flat or paired array) name `key`, in any case. */
function carries(given: OutgoingHttpHeaders | unknown[] | undefined, key: string): boolean {
  if (!given) return false;
  if (Array.isArray(given)) {
    const names = Array.isArray(given[0]) ? given.map((pair) => (pair as unknown[])[0]) : given.filter((_, i) => i % 2 === 0);
    return names.some((n) => String(n).toLowerCase() === key);
  }
  if (given[key] !== undefined) return true;
  return Object.keys(given).some((n) => n.toLowerCase() === key);
}
