import { writeSync } from 'node:fs';

/** A turn's lines beyond this many characters are written at once rather than at the end of the turn. */
const FLUSH_AT = 64 * 1024;
const RETRY_MS = 10;

/**
 * Standard output for the module's logger: the lines of one event-loop turn go out in one synchronous write at its
 * end (setImmediate), or at once past 64 KiB, instead of one write per line (2 to 9 µs of CPU per line measured:
 * docs/performance.md). Synchronous, so a slow reader slows the app rather than growing a buffer, and lines keep
 * their order; what is buffered is written on `exit` (a normal end, process.exit, an uncaught exception), so only a
 * SIGKILL can lose lines: those of the turn it interrupts.
 */
export class StdoutDestination {
  private buffer = '';
  private scheduled = false;
  private readonly flushLater = () => {
    this.scheduled = false;
    this.flushSync();
  };

  constructor(
    private readonly fd: number,
    /** A write that failed for good (stdout closed): the lines are dropped, the fault reported here. */
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    process.once('exit', () => this.flushSync());
  }

  write(chunk: string): boolean {
    this.buffer += chunk;
    if (this.buffer.length >= FLUSH_AT) this.flushSync();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushLater);
    }
    return true;
  }

  flushSync(): void {
    if (!this.buffer) return;
    const text = this.buffer;
    this.buffer = '';
    // The string goes to writeSync as it is (encoded in C++: no Buffer per flush, docs/performance.md); only a
    // partial write (a full pipe) needs the bytes, to go on from where it stopped.
    let rest: Buffer | undefined;
    for (;;) {
      try {
        if (rest === undefined) {
          const written = writeSync(this.fd, text);
          if (written >= Buffer.byteLength(text)) return;
          rest = Buffer.from(text, 'utf8').subarray(written);
        } else {
          rest = rest.subarray(writeSync(this.fd, rest));
          if (rest.length === 0) return;
        }
      } catch (error) {
        // A non-blocking pipe that is full: wait for the reader, as pino's own destination does.
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
        else return this.onError(error);
      }
    }
  }
}

let stdout: StdoutDestination | undefined;

/** The one destination of fd 1 in this process, shared by every logger of the module so their lines keep their order. */
export function stdoutDestination(onError?: (error: unknown) => void): StdoutDestination {
  stdout ??= new StdoutDestination(1, onError);
  return stdout;
}
