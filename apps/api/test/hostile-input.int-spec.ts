import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startApi, type ApiApp } from './support/api-app.js';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 10_000);
const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps every byte the logger writes, so the test can check each line is one JSON object. */
class RawLines {
  private readonly chunks: string[] = [];
  write(chunk: string): void {
    this.chunks.push(chunk);
  }
  lines(): string[] {
    return this.chunks.join('').split('\n').filter((l) => l.length > 0);
  }
}

/**
 * A client with no manners: writes the request bytes itself, so header values reach the server exactly as generated
 * (fetch and node:http would refuse or encode them), including repeated headers.
 */
function rawGet(port: number, headers: Array<[string, string]>): Promise<{ status: number; requestId: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const head = Buffer.concat(chunks).toString('latin1').split('\r\n\r\n')[0];
      const [statusLine, ...lines] = head.split('\r\n');
      const id = lines.find((l) => l.toLowerCase().startsWith('x-request-id:'))?.slice('x-request-id:'.length).trim();
      resolve({ status: Number(statusLine.split(' ')[1]), requestId: id });
    });
    const headerLines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
    // write, not end: a half-closed socket reads as a client that went away.
    socket.write(Buffer.from(`GET /api/v1/repositories?limit=1 HTTP/1.1\r\nHost: api\r\n${headerLines}Connection: close\r\n\r\n`, 'latin1'));
  });
}

/** What a hostile client puts in a header value: long, empty, quotes, comment markers, tabs, non-ASCII bytes. */
const headerValue = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'ab*/\'"\\ ;-\t:.'.split('')), maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 300 }).map((s) => s.replace(/[\r\n\0\x01-\x08\x0b-\x1f\x7f]/g, '')),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.constantFrom('', ' ', "x*/ OR true /*", "x*/; DROP TABLE repositories; /*", 'abc/*', "'; --", 'a'.repeat(129), 'a'.repeat(5000)),
  fc.constantFrom('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'),
);

describe(`hostile X-Request-ID and traceparent values through the real api (${RUNS} requests)`, () => {
  const logs = new RawLines();
  let api: ApiApp;
  let port: number;
  let logOffset: number;
  const sent: string[] = [];
  const answers: Array<{ status: number; requestId: string | undefined }> = [];

  beforeAll(async () => {
    logOffset = statSync(process.env.TEST_PG_LOG_FILE!).size;
    api = await startApi('express', logs as never);
    port = Number(new URL(api.url).port);
    const cases = fc.sample(
      fc.record({ ids: fc.array(headerValue, { minLength: 0, maxLength: 2 }), traceparent: fc.option(headerValue) }),
      { numRuns: RUNS, seed: 8 },
    );
    for (let i = 0; i < cases.length; i += 16) {
      const batch = cases.slice(i, i + 16);
      answers.push(
        ...(await Promise.all(
          batch.map(({ ids, traceparent }) => {
            sent.push(...ids, ...(traceparent ? [traceparent] : []));
            const headers: Array<[string, string]> = ids.map((v) => ['X-Request-ID', v]);
            if (traceparent !== null) headers.push(['traceparent', traceparent]);
            return rawGet(port, headers);
          }),
        )),
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }, 300_000);

  afterAll(async () => {
    await api?.close();
  });

  it('answers every request with 200 and a valid id', () => {
    expect(answers).toHaveLength(RUNS);
    expect(answers.filter((a) => a.status !== 200 || !VALID.test(a.requestId ?? ''))).toEqual([]);
  });

  it('writes every log line as one JSON object', () => {
    const bad = logs.lines().filter((line) => {
      try {
        const parsed = JSON.parse(line);
        return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed);
      } catch {
        return true;
      }
    });
    expect(bad).toEqual([]);
    expect(logs.lines().length).toBeGreaterThanOrEqual(RUNS);
  });

  /** Values that were replaced (not valid ids) must appear nowhere; short ones could match by chance. */
  const hostile = () => [...new Set(sent.filter((v) => !VALID.test(v) && v.trim().length >= 6))];

  it('sends PostgreSQL only statements that parse, none holding a raw value', () => {
    const log = readFileSync(process.env.TEST_PG_LOG_FILE!, 'latin1').slice(logOffset);
    expect(log).toContain("request_id='");
    expect(log.match(/ERROR: {2}syntax error.*/g) ?? []).toEqual([]);
    expect(hostile().filter((v) => log.includes(v))).toEqual([]);
  });

  it('never puts a raw value into a log line or a metric label', async () => {
    const lines = logs.lines().join('\n');
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } })).text();
    expect(hostile().filter((v) => lines.includes(JSON.stringify(v).slice(1, -1)) || metrics.includes(v))).toEqual([]);
  });
});
