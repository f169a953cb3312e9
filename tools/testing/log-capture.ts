/** A pino destination that keeps every JSON line written, parsed, for assertions on what was really logged. */
export class CaptureStream {
  readonly lines: Array<Record<string, any>> = [];

  write(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (line.trim()) this.lines.push(JSON.parse(line));
    }
  }

  clear(): void {
    this.lines.length = 0;
  }

  forRequest(requestId: string): Array<Record<string, any>> {
    return this.lines.filter((l) => l.request_id === requestId);
  }
}

/** A pino destination that keeps the lines as written, for specs that compare their exact text: one entry per line,
 *  newline included (a write of two lines gives two). */
export class RawCaptureStream {
  readonly raw: string[] = [];

  write(chunk: string): void {
    this.raw.push(...chunk.split(/(?<=\n)/));
  }
}

/** A line without its time, which differs by a millisecond or two between two writers of the same line. */
export const withoutTime = (line: string) => line.replace(/"time":\d+,/, '');

/**
 * Polls until `fn` gives a value (log lines are written when responses finish, a moment after the client sees them).
 * `fn` may be async (a query, a fetch): its promise is awaited, never taken for the value.
 */
export async function waitFor<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
