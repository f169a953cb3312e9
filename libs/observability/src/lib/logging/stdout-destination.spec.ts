import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { StdoutDestination, stdoutDestination } from './stdout-destination.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function target() {
  const path = join(mkdtempSync(join(tmpdir(), 'stdout-')), 'out.log');
  const fd = openSync(path, 'a');
  return { fd, path, size: () => fstatSync(fd).size, text: () => readFileSync(path, 'utf8'), close: () => closeSync(fd) };
}

describe('StdoutDestination', () => {
  it("writes a turn's lines together at the end of the turn, in order", async () => {
    const out = target();
    const destination = new StdoutDestination(out.fd);
    for (let i = 0; i < 100; i++) destination.write(`{"n":${i},"s":"é"}\n`);
    expect(out.size()).toBe(0);
    await nextTurn();
    expect(out.text().split('\n').filter(Boolean).map((l) => JSON.parse(l).n)).toEqual([...Array(100).keys()]);
    destination.write('{"n":100}\n');
    await nextTurn();
    expect(out.text().endsWith('{"n":100}\n')).toBe(true);
    out.close();
  });

  it("makes kept lines' text in their place among the turn's lines, at the end of the turn", async () => {
    const out = target();
    const destination = new StdoutDestination(out.fd);
    const format = (n: number, time: number, bindings: string) => `{"kept":${n},"time":${time}${bindings}}\n`;
    destination.write('{"n":0}\n');
    destination.writeLater(format, 1, 100, ',"b":1');
    destination.writeLater(format, 2, 200, ',"b":2');
    destination.write('{"n":3}\n');
    destination.writeLater(format, 4, 400, '');
    expect(out.size()).toBe(0);
    await nextTurn();
    expect(out.text()).toBe('{"n":0}\n{"kept":1,"time":100,"b":1}\n{"kept":2,"time":200,"b":2}\n{"n":3}\n{"kept":4,"time":400}\n');
    out.close();
  });

  it('makes kept lines at once past 256 of them, and writes at once past 64 KiB, in order', () => {
    const out = target();
    const destination = new StdoutDestination(out.fd);
    const line = `${'x'.repeat(1023)}\n`;
    const format = (n: number) => (n === 63 ? line : `${n}${line.slice(String(n).length)}`);
    for (let i = 0; i < 64 * 4; i++) destination.writeLater(format, i % 64, 0, '');
    // 256 kept lines of 1 KiB: made into the buffer at the 256th, and the buffer written at once.
    expect(out.size()).toBe(256 * 1024);
    expect(out.text().split('\n').slice(0, 3).map((l) => l.slice(0, 2))).toEqual(['0x', '1x', '2x']);
    out.close();
  });

  it('drops a kept line whose format throws, reports it, and writes the others', async () => {
    const out = target();
    const errors: unknown[] = [];
    // A report that writes a line of its own (as a logger's would) while the kept lines are being made.
    const destination: StdoutDestination = new StdoutDestination(out.fd, (error) => {
      errors.push(error);
      destination.write('{"fault":true}\n');
    });
    const format = (n: number) => {
      if (n === 2) throw new Error('cannot format');
      return `{"n":${n}}\n`;
    };
    for (const n of [1, 2, 3]) destination.writeLater(format, n, 0, '');
    await nextTurn();
    expect(out.text()).toBe('{"n":1}\n{"n":3}\n{"fault":true}\n');
    expect(errors).toEqual([new Error('cannot format')]);
    out.close();
  });

  it('writes at once past 64 KiB, without waiting for the turn to end', () => {
    const out = target();
    const destination = new StdoutDestination(out.fd);
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) destination.write(line);
    expect(out.size()).toBe(64 * 1024);
    out.close();
  });

  it('writes everything through a full non-blocking pipe, a character cut between two writes included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdout-pipe-'));
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader end of our own first (a non-blocking writer needs one), then the writer, then a slow reader draining it.
    const ownReader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const drained = join(dir, 'drained');
    const reader = spawn('sh', ['-c', `sleep 0.1; cat "${fifo}" > "${drained}"`], { stdio: 'ignore' });
    const exited = new Promise((resolve) => reader.once('exit', resolve));
    const lines = Array.from({ length: 3000 }, (_, n) => `{"n":${n},"s":"${'€'.repeat(n % 7)}${'x'.repeat(n % 5)}"}\n`);
    const destination = new StdoutDestination(fd);
    // Past 64 KiB of characters (over 64 KiB of bytes, more than the pipe holds), each flush writes in parts.
    for (const line of lines) destination.write(line);
    destination.flushSync();
    closeSync(fd);
    closeSync(ownReader);
    await exited;
    expect(readFileSync(drained, 'utf8')).toBe(lines.join(''));
  });

  it('writes a line too long for its kept buffer whole, between lines that fit', () => {
    const out = target();
    const destination = new StdoutDestination(out.fd);
    const huge = `{"huge":"${'€x'.repeat(60_000)}"}\n`;
    destination.write('{"before":1}\n');
    destination.write(huge);
    destination.write('{"after":"é"}\n');
    destination.flushSync();
    expect(out.text()).toBe(`{"before":1}\n${huge}{"after":"é"}\n`);
    out.close();
  });

  it("reports stdout's faults to the latest app that asked for it, not the first", async () => {
    const [first, latest]: unknown[][] = [[], []];
    const destination = stdoutDestination((error) => first.push(error));
    expect(stdoutDestination((error) => latest.push(error))).toBe(destination);
    // A kept line whose format throws: a fault of the destination's, and nothing written to this process's stdout.
    destination.writeLater(() => {
      throw new Error('format failed');
    }, undefined, 0, '');
    await nextTurn();
    expect(first).toEqual([]);
    expect(latest).toEqual([expect.objectContaining({ message: 'format failed' })]);
  });

  it('writes what is buffered when the process exits', () => {
    const out = target();
    const before = new Set(process.listeners('exit'));
    const destination = new StdoutDestination(out.fd);
    const [onExit] = process.listeners('exit').filter((l) => !before.has(l));
    destination.write('{"last":"words"}\n');
    destination.writeLater((n: number) => `{"kept":${n}}\n`, 1, 0, '');
    expect(out.size()).toBe(0);
    (onExit as () => void)();
    expect(out.text()).toBe('{"last":"words"}\n{"kept":1}\n');
    out.close();
  });

  it('reports a write that fails for good and drops its lines, without throwing into the caller', async () => {
    const errors: unknown[] = [];
    // A descriptor no process has open (a closed one could be reused by the next open before the write).
    const destination = new StdoutDestination(2 ** 30, (error) => errors.push(error));
    destination.write('{"lost":true}\n');
    await nextTurn();
    expect(errors).toEqual([expect.objectContaining({ code: 'EBADF' })]);
  });
});
