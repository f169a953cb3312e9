import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { StdoutDestination } from './stdout-destination.js';

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

  it('writes at once past 64 KiB, without waiting for the turn to end', () => {
    const out = target();
    const destination = new StdoutDestination(out.fd);
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) destination.write(line);
    expect(out.size()).toBe(64 * 1024);
    out.close();
  });

  it('writes what is buffered when the process exits', () => {
    const out = target();
    const before = new Set(process.listeners('exit'));
    const destination = new StdoutDestination(out.fd);
    const [onExit] = process.listeners('exit').filter((l) => !before.has(l));
    destination.write('{"last":"words"}\n');
    expect(out.size()).toBe(0);
    (onExit as () => void)();
    expect(out.text()).toBe('{"last":"words"}\n');
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
