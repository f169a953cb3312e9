import { writeSync } from 'node:fs';

/** A turn's lines beyond this many characters are written at once rather than at the end of the turn. */
const FLUSH_AT = 64 * 1024;
/** Kept lines (see `writeLater`) beyond this many are made at once rather than at the end of the turn. */
const FORMAT_AT = 256;
const RETRY_MS = 10;

/** Makes a kept line's text from its fields, the time it was written and the logger's bindings at that time. */
export type LineFormat<F> = (fields: F, time: number, bindings: string) => string;

/**
 * Standard output for the module's logger: the lines of one event-loop turn go out in one synchronous write at its
 * end (setImmediate), or at once past 64 KiB, instead of one write per line (2 to 9 µs of CPU per line measured:
 * docs/performance.md). Synchronous, so a slow reader slows the app rather than growing a buffer, and lines keep
 * their order; what is buffered is written on `exit` (a normal end, process.exit, an uncaught exception), so only a
 * SIGKILL can lose lines: those of the turn it interrupts. The module's access lines are kept rather than written
 * (`writeLater`) and made with the rest of the turn's lines.
 */
export class StdoutDestination {
  private buffer = '';
  private scheduled = false;
  /** The UTF-8 bytes of a flush: up to 3 bytes a character (a UTF-16 unit is at most 3 bytes of UTF-8). */
  private readonly scratch = Buffer.allocUnsafe(3 * FLUSH_AT + 3 * 1024);
  // Kept lines, in parallel arrays (no object per line); cleared by length, so they keep their backing stores.
  private readonly formats: LineFormat<any>[] = [];
  private readonly fields: unknown[] = [];
  private readonly times: number[] = [];
  private readonly bindings: string[] = [];
  private readonly flushLater = () => {
    this.scheduled = false;
    this.flushSync();
  };

  constructor(
    private readonly fd: number,
    /** A write that failed for good (stdout closed), or a kept line that could not be made: dropped, reported here. */
    private onError: (error: unknown) => void = () => undefined,
  ) {
    process.once('exit', () => this.flushSync());
  }

  /** Faults are reported to `onError` from now on (the latest app's, when apps of one process share stdout). */
  reportTo(onError: (error: unknown) => void): void {
    this.onError = onError;
  }

  write(chunk: string): boolean {
    // Kept lines were written before this one.
    if (this.formats.length > 0) this.formatKept();
    this.buffer += chunk;
    if (this.buffer.length >= FLUSH_AT) this.flushSync();
    else this.schedule();
    return true;
  }

  /**
   * A line of the module's own whose text is made when the turn's lines go out, in its place among them: made
   * together in one loop, the lines cost less than one at a time between the app's work (docs/performance-log.md,
   * "Fourteenth look"). `fields` is read then. If `format` throws, the line is dropped and the fault reported.
   */
  writeLater<F>(format: LineFormat<F>, fields: F, time: number, bindings: string): void {
    this.formats.push(format);
    this.fields.push(fields);
    this.times.push(time);
    this.bindings.push(bindings);
    if (this.formats.length >= FORMAT_AT) {
      this.formatKept();
      if (this.buffer.length >= FLUSH_AT) return this.flushSync();
    }
    this.schedule();
  }

  flushSync(): void {
    if (this.formats.length > 0) this.formatKept();
    if (!this.buffer) return;
    const text = this.buffer;
    this.buffer = '';
    // Encoded once into a buffer kept for it (a turn's text fits unless a line alone is huge), and written from
    // there: a string handed to writeSync is measured and encoded in C++, and a short write needed it measured
    // again (docs/performance-log.md, "Eighteenth look").
    const fits = text.length * 3 <= this.scratch.length;
    const bytes = fits ? this.scratch : Buffer.from(text, 'utf8');
    const end = fits ? bytes.write(text) : bytes.length;
    let written = 0;
    while (written < end) {
      try {
        written += writeSync(this.fd, bytes, written, end - written);
      } catch (error) {
        // A non-blocking pipe that is full: wait for the reader, as pino's own destination does.
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
        else return this.onError(error);
      }
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushLater);
  }

  /** The kept lines' text, appended to the buffer in the order they were written. */
  private formatKept(): void {
    const { formats, fields, times, bindings } = this;
    let text = '';
    let faults: unknown[] | undefined;
    for (let i = 0; i < formats.length; i++) {
      try {
        text += formats[i](fields[i], times[i], bindings[i]);
      } catch (error) {
        (faults ??= []).push(error);
      }
    }
    formats.length = 0;
    fields.length = 0;
    times.length = 0;
    bindings.length = 0;
    this.buffer += text;
    // Reported once the kept lines are gone: a report that writes a line finds none to make again.
    if (faults) for (const fault of faults) this.onError(fault);
  }
}

let stdout: StdoutDestination | undefined;

/**
 * The one destination of fd 1 in this process, shared by every logger of the module so their lines keep their order.
 * Its faults go to the latest caller's `onError` (one app per process, as for the root logger): an app made after
 * another one closed counts them, not the closed one.
 */
export function stdoutDestination(onError?: (error: unknown) => void): StdoutDestination {
  stdout ??= new StdoutDestination(1);
  if (onError) stdout.reportTo(onError);
  return stdout;
}
