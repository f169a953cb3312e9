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
