import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { assertServed } from '../load.mjs';

/** A real process that writes to stderr and exits with `code`, as a server that died mid-bench. */
async function exitedServer(code: number) {
  const child = spawn(process.execPath, ['-e', `process.stderr.write('listening\\nFATAL: out of connections\\n'); process.exit(${code})`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await once(child, 'close');
  return { name: 'api hooks 1', child, stderr: () => stderr };
}

describe('assertServed', () => {
  it('lets a load that served requests through', async () => {
    expect(() => assertServed({ requests: 1 }, { name: 'x', child: {}, stderr: () => '' } as never)).not.toThrow();
  });

  it('names the server, its exit, the socket errors and its last stderr when a load served nothing', async () => {
    const server = await exitedServer(3);
    expect(() => assertServed({ requests: 0, socketErrors: 96, non2xx: 0 }, server)).toThrow(
      /^api hooks 1: served no requests in a load \(exited \(3\); wrk socket errors 96, non-2xx 0\); its stderr ends:\nlistening\nFATAL: out of connections/,
    );
  });
});
