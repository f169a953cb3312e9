import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { InternalErrors } from '../core/internal-errors.js';
import { contentTypeOf, negotiateFormat, writeMetrics } from './exposition.js';
import { ExpositionBuffers } from './exposition-buffers.js';
import { NewSeriesHold } from './new-series-hold.js';

export interface MetricsEndpointOptions {
  path: string;
  bearerToken?: string;
  /** New counter and histogram series shown at zero to scrapers that store series (new-series-hold.ts). */
  newSeriesAtZero?: boolean;
}

/** Answers a metrics scrape: token check (constant time), format negotiation, rendering. */
export class MetricsEndpoint {
  private readonly expected?: Buffer;
  /** The module's registry first, then any other registry the app's metrics live in (@willsoto/nestjs-prometheus's). */
  private readonly registries: Registry[];
  private readonly hold = new NewSeriesHold();
  private readonly buffers = new ExpositionBuffers();

  constructor(
    registry: Registry,
    private readonly options: MetricsEndpointOptions,
    private readonly internal: InternalErrors,
  ) {
    if (options.bearerToken) this.expected = Buffer.from(`Bearer ${options.bearerToken}`);
    this.registries = [registry];
  }

  /** Serves `registry` too, after the module's own (a name already served is not repeated). */
  alsoServe(registry: Registry): void {
    if (!this.registries.includes(registry)) this.registries.push(registry);
  }

  get served(): readonly Registry[] {
    return this.registries;
  }

  matches(req: IncomingMessage, path: string): boolean {
    return (req.method === 'GET' || req.method === 'HEAD') && path === this.options.path;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.authorized(req.headers.authorization)) {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res.end();
      return;
    }
    const format = negotiateFormat(req.headers.accept);
    // A HEAD request (a probe) gets GET's headers without the exposition: nothing is collected (collectors read Redis
    // and the pools), and a scraper's new-series hold is not spent on it.
    if (req.method === 'HEAD') {
      this.answered(res, contentTypeOf(format));
      res.end();
      return;
    }
    const holdMs = this.options.newSeriesAtZero ? NewSeriesHold.holdMs(req.headers['x-prometheus-scrape-timeout-seconds']) : 0;
    const sink = this.buffers.take();
    const scrape = holdMs > 0 ? this.hold.forScrape(Date.now(), holdMs) : undefined;
    writeMetrics(this.registries, format, sink, scrape?.held)
      .then((contentType) => {
        scrape?.done();
        this.answered(res, contentType);
        // The socket may still be sending the bytes until the response finishes: only then is the buffer free again.
        res.once('finish', () => this.buffers.giveBack(sink));
        res.end(sink.bytes());
      })
      .catch((error: unknown) => {
        this.buffers.giveBack(sink);
        this.internal.record('metrics', error);
        res.statusCode = 500;
        res.end();
      });
  }

  /** A server of its own, serving only the metrics path. */
  listen(port: number, host: string): Promise<Server> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (this.matches(req, path)) this.handle(req, res);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }

  private answered(res: ServerResponse, contentType: string): void {
    res.statusCode = 200;
    res.setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
  }

  private authorized(header: string | undefined): boolean {
    if (!this.expected) return true;
    if (typeof header !== 'string') return false;
    const given = Buffer.from(header);
    return given.length === this.expected.length && timingSafeEqual(given, this.expected);
  }
}
