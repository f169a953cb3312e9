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
