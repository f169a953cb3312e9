import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../../../tools/testing/app-process.js';
import { packLibrary, root } from '../consumers.mjs';

// The package README's quick start, run as written: its shell blocks and files, in an empty folder outside the
// workspace (so nothing resolves from the workspace's node_modules), with the packed tarball in place of the
// registry's copy of the package.
const readme = readFileSync(join(root, 'libs/observability/README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Compatibility'));
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({ lang, body }));
const shell = blocks.filter((b) => b.lang === 'sh').map((b) => b.body.trim());
const files = blocks
  .filter((b) => b.lang !== 'sh')
  .map((b) => {
    const [first, ...rest] = b.body.split('\n');
    return { path: /^\/\/ (\S+)/.exec(first)![1], content: rest.join('\n') };
  });

describe('the package README quick start, followed in an empty folder', () => {
  const parent = join(tmpdir(), 'commandcenter-quickstart');
  let app: AppProcess;
  let dir: string;
  let seconds: number;

  beforeAll(async () => {
    const { tarball } = packLibrary();
    rmSync(parent, { recursive: true, force: true });
    mkdirSync(parent, { recursive: true });
    const started = Date.now();
    const env = {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_loglevel: 'error',
    };
    // Step 1 as written, then `pwd` to learn the folder it made.
    const install = shell[0].replace(' @commandcenter/observability ', ` ${tarball} `);
    dir = execFileSync('bash', ['-euo', 'pipefail', '-c', `${install}\npwd`], { cwd: parent, env, encoding: 'utf8' }).trim().split('\n').at(-1)!;
    for (const file of files) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.content);
    }
    const [build, start] = shell[1].split('&&').map((c) => c.trim());
    execFileSync('bash', ['-euo', 'pipefail', '-c', build], { cwd: dir, env, encoding: 'utf8' });
    seconds = (Date.now() - started) / 1000;
    expect(start).toBe('node dist/main.js');
    app = await AppProcess.start('quickstart', { LOG_LEVEL: 'info' }, { script: join(dir, 'dist/main.js'), cwd: dir, readyPath: '/hello/ready' });
  }, 300_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('has the steps the test follows', () => {
    expect(shell).toHaveLength(3);
    expect(files.map((f) => f.path)).toEqual(['tsconfig.json', 'src/app.module.ts', 'src/main.ts']);
    // How long installing and building took here, from a warm npm cache: part of the five minutes a person has.
    process.stdout.write(`quick start: installed and built in ${seconds.toFixed(0)} s\n`);
    expect(seconds).toBeGreaterThan(0);
  });

  it('installed a CommonJS app', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: string };
    expect(manifest.type ?? 'commonjs').toBe('commonjs');
    expect(readFileSync(join(dir, 'dist/main.js'), 'utf8')).toContain('require(');
  });

  it('echoes the id and logs JSON lines with it, as the README says', async () => {
    const res = await fetch(`${app.url}/hello/ada`, { headers: { 'X-Request-ID': 'my-first-id' } });
    expect(res.headers.get('x-request-id')).toBe('my-first-id');
    expect(await res.json()).toEqual({ hello: 'ada', request_id: 'my-first-id' });
    await app.waitForLine((l) => l.request_id === 'my-first-id' && l.msg === 'request completed', 'access line');
    expect(app.lines.filter((l) => l.request_id === 'my-first-id').map((l) => l.msg)).toEqual(['saying hello to ada', 'request completed']);
    expect(app.find((l) => l.msg === 'request completed' && l.request_id === 'my-first-id')).toMatchObject({ route: '/hello/:name', status_code: 200 });
    expect(app.lines.every((l) => !('raw' in l))).toBe(true);
  });

  it('answers the error as the README shows and logs its stack and fingerprint', async () => {
    const res = await fetch(`${app.url}/boom`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(500);
    expect(body).toEqual({ statusCode: 500, message: 'Internal server error', request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const error = await app.waitForLine((l) => l.request_id === body.request_id && l.level === 50, 'error line');
    expect(error.err.stack).toContain('Error: boom');
    expect(error.error_fingerprint).toBeTruthy();
  });

  it('serves the metrics the README greps for, with the id as an exemplar', async () => {
    const text = await (await fetch(`${app.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } })).text();
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/hello\/:name"[^}]*\} \d+ # \{request_id="my-first-id"\}/);
    expect(text).toMatch(/hello_errors_total\{endpoint="\/boom",status_code="500",error_type="Error"\} 1/);
  });
});
