import { closeSync, mkdtempSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pino from 'pino';
import { StdoutDestination } from './stdout-destination.js';
import { resolveOptions } from '../options/resolve-options.js';
import { writeAccessLine, writeLine, writeJobLine, type AccessLine, type FixedFields, type JobLine } from './fixed-line.js';
import { Registry } from 'prom-client';
import { RawCaptureStream, withoutTime } from '../../../../../tools/testing/log-capture.js';
import { InternalErrors } from '../core/internal-errors.js';
import { createPinoLogger } from './pino-logger.js';

function loggers(level: 'info' | 'warn' = 'info') {
  const direct = new RawCaptureStream();
  const viaPino = new RawCaptureStream();
  const make = (destination: RawCaptureStream) =>
    createPinoLogger(resolveOptions({ serviceName: 'svc', logging: { destination, level } }, {}), new InternalErrors(new Registry()));
  return { direct, viaPino, directLogger: make(direct), pinoLogger: make(viaPino) };
}

/** Access lines with any path, route and ids; durations include a non-finite one (written as null). */
const accessLines = fc.record({
  request_id: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
  trace_id: fc.option(fc.stringMatching(/^[0-9a-f]{32}$/), { nil: undefined }),
  method: fc.constantFrom('GET', 'POST', 'OTHER'),
  route: fc.string({ unit: 'binary', maxLength: 40 }),
  path: fc.string({ unit: 'binary', maxLength: 80 }),
  status_code: fc.integer({ min: 100, max: 599 }),
  // The access line's own (three decimals, as the observer rounds them) take a shorter path: both are covered.
  duration_ms: fc.oneof(
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.double({ min: 0, max: 2e6, noNaN: true }).map((ms) => Math.round(ms * 1e3) / 1e3),
    fc.integer({ min: 0, max: 2 ** 31 }).map((micros) => micros / 1e3),
    fc.constantFrom(0, 0.001, 0.01, 0.1, 1, 1.5, 1073741.823, 1073741.824, -0.001, -0, Number.POSITIVE_INFINITY),
  ),
});

describe('writeLine', () => {
  it('writes byte for byte what logger.info() writes: access lines with any path, route and ids', () => {
    fc.assert(
      fc.property(
        accessLines,
        (line: FixedFields) => {
          const { direct, viaPino, directLogger, pinoLogger } = loggers();
          expect(writeLine(directLogger, line, 'request completed')).toBe(true);
          pinoLogger.info(line, 'request completed');
          expect(direct.raw.map(withoutTime)).toEqual(viaPino.raw.map(withoutTime));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes access lines as writeLine and logger.info() do, byte for byte', () => {
    fc.assert(
      fc.property(
        accessLines,
        (line: AccessLine) => {
          const { direct, viaPino, directLogger, pinoLogger } = loggers();
          expect(writeAccessLine(directLogger, line)).toBe(true);
          writeLine(directLogger, { ...line }, 'request completed');
          pinoLogger.info(line, 'request completed');
          expect(direct.raw.map(withoutTime)).toEqual([...viaPino.raw, ...viaPino.raw].map(withoutTime));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes byte for byte what logger.info() writes: job lines, as writeLine with any message and as writeJobLine', () => {
    fc.assert(
      fc.property(
        fc.record({
          request_id: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
          job_id: fc.string({ maxLength: 12 }),
          queue: fc.string({ maxLength: 20 }),
          job_name: fc.string({ unit: 'binary', maxLength: 20 }),
          attempt: fc.integer({ min: 1, max: 10 }),
          duration_ms: fc.option(fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 1e9 }), fc.constant(Number.NaN)), { nil: undefined }),
          wait_ms: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined }),
        }),
        fc.string({ unit: 'binary', maxLength: 30 }),
        (line: JobLine, msg) => {
          const { direct, viaPino, directLogger, pinoLogger } = loggers();
          writeLine(directLogger, { ...line }, msg);
          pinoLogger.info({ ...line }, msg);
          expect(writeJobLine(directLogger, line)).toBe(true);
          pinoLogger.info(line, 'job completed');
          expect(direct.raw.map(withoutTime)).toEqual(viaPino.raw.map(withoutTime));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("writes at the level it is given as that level's method does, and nothing below the logger's level", () => {
    const { direct, viaPino, directLogger, pinoLogger } = loggers('warn');
    for (const level of ['trace', 'debug', 'info', 'warn', 'error'] as const) {
      expect(writeLine(directLogger, { context: 'Ctx', attempt: 1 }, `at ${level}`, level)).toBe(true);
      pinoLogger[level]({ context: 'Ctx', attempt: 1 }, `at ${level}`);
    }
    expect(direct.raw.map(withoutTime)).toEqual(viaPino.raw.map(withoutTime));
    expect(direct.raw.map((raw) => JSON.parse(raw).level)).toEqual([40, 50]);
  });

  it("leaves a pino.multistream destination, which routes by the level pino sets before each write, to pino's path", () => {
    const [low, high] = [new RawCaptureStream(), new RawCaptureStream()];
    const streams = pino.multistream([{ level: 'info', stream: low }, { level: 'warn', stream: high }]);
    const logger = createPinoLogger(resolveOptions({ serviceName: 'svc', logging: { destination: streams } }, {}), new InternalErrors(new Registry()));
    expect(writeLine(logger, { attempt: 1 }, 'm', 'warn')).toBe(false);
    expect(writeJobLine(logger, { job_id: '1', queue: 'q', job_name: 'n', attempt: 1 })).toBe(false);
    expect(writeAccessLine(logger, { method: 'GET', route: '/', path: '/', status_code: 200, duration_ms: 1 })).toBe(false);
  });

  it("leaves a logger with redaction paths to pino's path, so they apply to the fields these lines write", () => {
    const out = new RawCaptureStream();
    const logger = createPinoLogger(
      resolveOptions({ serviceName: 'svc', logging: { destination: out, redact: ['path', 'request_id', 'job_id'] } }, {}),
      new InternalErrors(new Registry()),
    );
    const access: AccessLine = { request_id: 'r-1', method: 'GET', route: '/reset/:token', path: '/reset/SECRET', status_code: 200, duration_ms: 1 };
    const job: JobLine = { request_id: 'r-1', job_id: '1', queue: 'q', job_name: 'n', attempt: 1 };
    expect(writeAccessLine(logger, access)).toBe(false);
    expect(writeJobLine(logger, job)).toBe(false);
    expect(writeLine(logger, { path: '/reset/SECRET' }, 'm')).toBe(false);
    // What the callers do then.
    logger.info(access, 'request completed');
    logger.info(job, 'job completed');
    expect(out.raw.join('')).not.toMatch(/SECRET|r-1|"job_id":"1"/);
    expect(JSON.parse(out.raw[0])).toMatchObject({ path: '[Redacted]', request_id: '[Redacted]', route: '/reset/:token' });
    // Without paths the same logger writes directly.
    expect(writeAccessLine(loggers().directLogger, access)).toBe(true);
  });

  it("writes each line's time as pino would at that moment, across many milliseconds", () => {
    const { direct, directLogger } = loggers();
    const bounds: [number, number][] = [];
    // Until lines were written in a dozen different milliseconds (a loaded machine can stall the loop for several).
    const seen = new Set<number>();
    const end = Date.now() + 5000;
    while (seen.size < 12 && Date.now() < end) {
      const before = Date.now();
      seen.add(before);
      writeAccessLine(directLogger, { method: 'GET', route: '/', path: '/', status_code: 200, duration_ms: 1 });
      bounds.push([before, Date.now()]);
    }
    const times = direct.raw.map((raw) => Number(/"time":(\d+),/.exec(raw)?.[1]));
    times.forEach((time, i) => {
      expect(time).toBeGreaterThanOrEqual(bounds[i][0]);
      expect(time).toBeLessThanOrEqual(bounds[i][1]);
    });
    expect(new Set(times).size).toBeGreaterThan(10);
  });

  it("through the module's own destination, makes the same bytes when the turn's lines go out, each in its place and with its own time", () => {
    const path = join(mkdtempSync(join(tmpdir(), 'access-')), 'out.log');
    const fd = openSync(path, 'a');
    const destination = new StdoutDestination(fd);
    const options = (to: unknown) => resolveOptions({ serviceName: 'svc', logging: { destination: to as RawCaptureStream } }, {});
    const deferred = createPinoLogger(options(destination), new InternalErrors(new Registry()));
    const reference = new RawCaptureStream();
    const direct = createPinoLogger(options(reference), new InternalErrors(new Registry()));
    fc.assert(
      fc.property(fc.array(accessLines, { maxLength: 300 }), (lines: AccessLine[]) => {
        truncateSync(path, 0);
        reference.raw.length = 0;
        const times: [number, number][] = [];
        lines.forEach((line, i) => {
          const before = Date.now();
          expect(writeAccessLine(deferred, line)).toBe(true);
          times.push([before, Date.now()]);
          writeLine(direct, { ...line }, 'request completed');
          // pino's own lines between the module's kept ones.
          if (i % 3 === 0) {
            deferred.info({ n: i }, 'between');
            direct.info({ n: i }, 'between');
          }
        });
        // Made later than they were written: each keeps the time it was written at.
        const end = Date.now() + 3;
        while (Date.now() < end);
        destination.flushSync();
        const written = readFileSync(path, 'utf8').split(/(?<=\n)/).filter(Boolean);
        expect(written.map(withoutTime)).toEqual(reference.raw.map(withoutTime));
        const accessTimes = written.filter((l) => l.includes('"request completed"')).map((l) => Number(/"time":(\d+),/.exec(l)?.[1]));
        accessTimes.forEach((time, i) => {
          expect(time).toBeGreaterThanOrEqual(times[i][0]);
          expect(time).toBeLessThanOrEqual(times[i][1]);
        });
      }),
      { numRuns: 30 },
    );
    closeSync(fd);
  });

  it('leaves a logger that is not a plain pino logger to logger.info() (returns false)', () => {
    const notPino = { isLevelEnabled: () => true } as unknown as Parameters<typeof writeLine>[0];
    expect(writeLine(notPino, { method: 'GET', route: '/', path: '/', status_code: 200, duration_ms: 1 }, 'request completed')).toBe(false);
    expect(writeAccessLine(notPino, { method: 'GET', route: '/', path: '/', status_code: 200, duration_ms: 1 })).toBe(false);
  });

  it('writes nothing when info is below the level', () => {
    const { direct, directLogger } = loggers('warn');
    expect(writeLine(directLogger, { method: 'GET', route: '/', path: '/', status_code: 200, duration_ms: 1 }, 'request completed')).toBe(true);
    expect(writeAccessLine(directLogger, { method: 'GET', route: '/', path: '/', status_code: 200, duration_ms: 1 })).toBe(true);
    expect(direct.raw).toEqual([]);
  });
});
