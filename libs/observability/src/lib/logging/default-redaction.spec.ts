import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pino from 'pino';
import { Registry } from 'prom-client';
import { RawCaptureStream, withoutTime } from '../../../../../tools/testing/log-capture.js';
import { InternalErrors } from '../core/internal-errors.js';
import { resolveOptions } from '../options/resolve-options.js';
import { redactDefaultPaths } from './default-redaction.js';
import { createPinoLogger } from './pino-logger.js';

/** The default redaction as pino paths: what the module passed to pino before it redacted them itself. */
const PINO_PATHS = [
  'authorization',
  'cookie',
  '["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
];

const key = fc.constantFrom('authorization', 'cookie', 'set-cookie', 'headers', 'req', 'res', 'accept', 'x', 'err');
const leaf = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null), fc.boolean());
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), fc.array(tie('value'), { maxLength: 2 })),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
})).value;

describe('default redaction', () => {
  it('writes every line exactly as pino redacting the nine default paths would (300 random objects)', () => {
    const errors = new InternalErrors(new Registry());
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), (fields) => {
        const ours = new RawCaptureStream();
        const theirs = new RawCaptureStream();
        createPinoLogger(resolveOptions({ serviceName: 's', logging: { destination: ours } }, {}), errors).info(fields, 'm %j', fields);
        pino({ base: { service: 's' }, redact: { paths: PINO_PATHS, censor: '[Redacted]' } }, theirs).info(fields, 'm %j', fields);
        expect(withoutTime(ours.raw[0]).replace(/,"pid":\d+,"hostname":"[^"]*"/, '')).toBe(withoutTime(theirs.raw[0]));
      }),
      { numRuns: 300 },
    );
  });

  it('redacts an Error logged as err (its headers) without losing its message and stack', () => {
    const out = new RawCaptureStream();
    const error = Object.assign(new Error('upstream said no'), { headers: { authorization: 'Bearer t0ken', accept: 'json' } });
    createPinoLogger(resolveOptions({ logging: { destination: out } }, {}), new InternalErrors(new Registry())).error({ err: error }, 'failed');
    const line = JSON.parse(out.raw[0]);
    expect(line.err).toMatchObject({ message: 'upstream said no', headers: { authorization: '[Redacted]', accept: 'json' } });
    expect(line.err.stack).toContain('upstream said no');
    expect(out.raw[0]).not.toContain('t0ken');
  });

  it('censors secret headers in any letter case, as HTTP clients keep them (Authorization, COOKIE, Set-Cookie)', () => {
    const out = new RawCaptureStream();
    const error = Object.assign(new Error('Request failed with status code 401'), { headers: { Authorization: 'Bearer t0ken-1', Accept: 'json' } });
    const fields = {
      err: error,
      Authorization: 'Basic t0ken-2',
      headers: { COOKIE: 'sid=t0ken-3', 'Set-Cookie': ['sid=t0ken-4'], 'X-Authorization-Hint': 'kept' },
      upstream: { headers: { 'set-Cookie': 't0ken-5', authorization: 't0ken-6', Cookies: 'kept too' } },
    };
    createPinoLogger(resolveOptions({ logging: { destination: out } }, {}), new InternalErrors(new Registry())).warn(fields, 'upstream refused %j', fields.upstream);
    expect(out.raw[0]).not.toMatch(/t0ken/);
    const line = JSON.parse(out.raw[0]);
    expect(line).toMatchObject({
      err: { message: 'Request failed with status code 401', headers: { Authorization: '[Redacted]', Accept: 'json' } },
      Authorization: '[Redacted]',
      headers: { COOKIE: '[Redacted]', 'Set-Cookie': '[Redacted]', 'X-Authorization-Hint': 'kept' },
      upstream: { headers: { 'set-Cookie': '[Redacted]', authorization: '[Redacted]', Cookies: 'kept too' } },
    });
    expect(fields.headers.COOKIE).toBe('sid=t0ken-3');
  });

  it("never changes the caller's object, and returns it as it is when nothing is secret", () => {
    const plain = { a: 1, req: { headers: { accept: 'json' } } };
    expect(redactDefaultPaths(plain)).toBe(plain);
    const secret = { req: { headers: { cookie: 'sid=1', accept: 'json' } } };
    expect(redactDefaultPaths(secret)).toEqual({ req: { headers: { cookie: '[Redacted]', accept: 'json' } } });
    expect(secret.req.headers.cookie).toBe('sid=1');
  });

  it('keeps redacting the user paths with pino as well', () => {
    const out = new RawCaptureStream();
    const options = resolveOptions({ logging: { destination: out, redact: ['body.password'] } }, {});
    createPinoLogger(options, new InternalErrors(new Registry())).info({ body: { password: 'hunter2' }, authorization: 'Basic x' }, 'in');
    expect(JSON.parse(out.raw[0])).toMatchObject({ body: { password: '[Redacted]' }, authorization: '[Redacted]' });
  });

  it("reaches other secrets of an error with a user path, as the README says, beside the default's (an HTTP client error's config)", () => {
    const out = new RawCaptureStream();
    const options = resolveOptions({ logging: { destination: out, redact: ['err.config.params.api_key'] } }, {});
    const config = { url: 'https://api.example', params: { api_key: 't0ken-1', page: 2 }, headers: { Authorization: 'Bearer t0ken-2' } };
    const error = Object.assign(new Error('Request failed with status code 401'), { config });
    createPinoLogger(options, new InternalErrors(new Registry())).error({ err: error }, 'call failed');
    expect(out.raw[0]).not.toContain('t0ken');
    expect(JSON.parse(out.raw[0]).err).toMatchObject({
      message: 'Request failed with status code 401',
      config: { params: { api_key: '[Redacted]', page: 2 }, headers: { Authorization: '[Redacted]' } },
    });
  });

  it('a field that cannot be read drops the fields, not the line, and counts a fault', async () => {
    const out = new RawCaptureStream();
    const registry = new Registry();
    const fields = { headers: new Proxy({}, { has: () => { throw new Error('unreadable'); } }) };
    createPinoLogger(resolveOptions({ logging: { destination: out } }, {}), new InternalErrors(registry)).info(fields, 'still here');
    expect(JSON.parse(out.raw[0]).msg).toBe('still here');
    const faults = (await registry.getSingleMetric('observability_internal_errors_total')!.get()).values.find((v) => v.labels.component === 'logging');
    expect(faults?.value).toBe(1);
  });
});
