import type { ExpositionSink } from './exposition.js';

/** Buffers kept for the next scrapes: enough for a Prometheus pair scraping at once. */
const KEPT = 2;
const FIRST_SIZE = 64 * 1024;

/** An exposition written as UTF-8 into one Buffer, grown when a piece would not fit. */
export class BufferSink implements ExpositionSink {
  length = 0;
  given = false;

  constructor(public buffer: Buffer) {}

  write(text: string): void {
    // A UTF-16 unit takes at most 3 bytes: only near the end is the exact length worth counting.
    if (this.length + text.length * 3 > this.buffer.length) {
      const needed = this.length + Buffer.byteLength(text);
      if (needed > this.buffer.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.buffer.length * 2));
        this.buffer.copy(grown, 0, 0, this.length);
        this.buffer = grown;
      }
    }
    this.length += this.buffer.write(text, this.length);
  }

  /** The bytes written: a view, valid until the sink is given back. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * The metrics endpoint writes each exposition into a Buffer kept from the scrapes before, instead of one string that
 * Node then encodes into fresh memory: a 10k-series exposition is a megabyte, and faulting in a fresh megabyte
 * costs this kind of VM about 3.6 ms a time, a string flattened first as much again. A buffer is given back once
 * its response has finished (handed to the socket); an aborted one is left to the garbage collector.
 */
export class ExpositionBuffers {
  private readonly free: Buffer[] = [];

  take(): BufferSink {
    return new BufferSink(this.free.pop() ?? Buffer.allocUnsafeSlow(FIRST_SIZE));
  }

  /** Once per sink: a buffer kept twice would be written by two scrapes at once. */
  giveBack(sink: BufferSink): void {
    if (sink.given) return;
    sink.given = true;
    if (this.free.length < KEPT) this.free.push(sink.buffer);
  }
}
