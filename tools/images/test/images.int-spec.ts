import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { parseAllDocuments } from 'yaml';
import { freePort, SCRAM_ONLY_GROUP, startPostgres, startRedis } from '../../testing/services.js';
import { ensureBaseImage } from '../base-image.mjs';
import { buildArgs, buildImage, imageFacts, imageName } from '../build.mjs';
import { containerRuntimeProblem, podman, podmanResult, root } from '../podman.mjs';
import { waitFor } from '../../testing/log-capture.js';

/** What a platform checks of the images: built from docker/app.Dockerfile, run as uid 1000 on a read-only root. */
const problem = containerRuntimeProblem();
if (problem && process.env.CI) throw new Error(`the image tests must run in CI: ${problem}`);
if (problem) console.warn(`image tests skipped: ${problem}`);
const describeImages = problem ? describe.skip : describe;

const GRACE_SECONDS = 30;
const run = randomUUID().slice(0, 8);
const password = `pw-${randomUUID()}`;
type Service = { url: string; port: number; stop(): void };
let postgres: Service;
let redis: Service;
let databaseUrl: string;
const ports = { api: 0, worker: 0 };
const names = { api: `cc-api-${run}`, worker: `cc-worker-${run}` };
let migrateOutput = '';

/** A read-only root filesystem with a tmpfs on /tmp only, on the host's network (the throwaway services listen on 127.0.0.1). */
const readOnly = ['--network', 'host', '--read-only', '--read-only-tmpfs=false', '--tmpfs', '/tmp', '--log-driver', 'k8s-file'];

/** Polls a URL until it answers 2xx. */
const answers = (url: string) => waitFor(async () => (await fetch(url).catch(() => undefined))?.ok || undefined, `${url} to answer`, 60_000);

const logsOf = (name: string) => {
  const result = podmanResult(['logs', name]);
  return `${result.stdout}${result.stderr}`;
};

describeImages('the api and worker images', () => {
  beforeAll(async () => {
    const base = ensureBaseImage({ log: () => undefined });
    buildImage('api', base, { log: () => undefined });
    buildImage('worker', base, { log: () => undefined });
    [postgres, redis] = await Promise.all([startPostgres({ logStatements: false }), startRedis()]);
    // A role that must give its password (pg_hba asks members of SCRAM_ONLY_GROUP for it), owning the app's database.
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${SCRAM_ONLY_GROUP} NOLOGIN`).catch(() => undefined);
    await admin.query(`CREATE ROLE app LOGIN PASSWORD '${password}' IN ROLE ${SCRAM_ONLY_GROUP}`);
    await admin.query('CREATE DATABASE app OWNER app');
    await admin.end();
    databaseUrl = `postgres://app:${password}@127.0.0.1:${postgres.port}/app`;
    const env = ['-e', `DATABASE_URL=${databaseUrl}`, '-e', `REDIS_URL=${redis.url}`, '-e', 'LOG_LEVEL=info'];
    const migrate = podmanResult(['run', '--rm', ...readOnly, ...env, imageName('api'), 'node', '/app/migrate.js']);
    migrateOutput = migrate.stdout + migrate.stderr;
    if (migrate.status !== 0) throw new Error(`the migration from the api image failed:\n${migrateOutput}`);
    for (const app of ['api', 'worker'] as const) {
      ports[app] = await freePort();
      podman(['run', '-d', '--name', names[app], ...readOnly, ...env, '-e', `PORT=${ports[app]}`, imageName(app)]);
    }
    await Promise.all([answers(`http://127.0.0.1:${ports.api}/health`), answers(`http://127.0.0.1:${ports.worker}/health`)]);
  }, 1_500_000);

  afterAll(() => {
    for (const name of Object.values(names)) podmanResult(['rm', '-f', '-t', '0', name]);
    redis?.stop();
    postgres?.stop();
  });

  it('is built with the build arguments the Dockerfile declares (the compose file gives the same: docker/test)', () => {
    const dockerfile = readFileSync(join(root, 'docker/app.Dockerfile'), 'utf8');
    expect(new Set(Object.keys(buildArgs('api', 'base')))).toEqual(new Set([...dockerfile.matchAll(/^ARG (\w+)/gm)].map((m) => m[1])));
  });

  it('runs the migration from the api image against a database that asks for a password', () => {
    expect(migrateOutput).toMatch(/migrations: applied CreateRepositories/);
  });

  it('answers /health/live and /health in both containers', async () => {
    for (const app of ['api', 'worker'] as const) {
      expect((await fetch(`http://127.0.0.1:${ports[app]}/health/live`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${ports[app]}/health`)).status).toBe(200);
    }
  });

  it('runs as uid and gid 1000 on a root filesystem it cannot write', () => {
    for (const app of ['api', 'worker'] as const) {
      expect(podmanResult(['exec', names[app], 'node', '-e', 'process.stdout.write(`${process.getuid()}:${process.getgid()}`)']).stdout).toBe('1000:1000');
      const write = podmanResult(['exec', names[app], 'node', '-e', "require('fs').writeFileSync('/app/written', 'x')"]);
      expect(write.status).not.toBe(0);
      expect(write.stderr).toMatch(/EROFS|read-only/);
    }
  });

  it('is healthy by its own HEALTHCHECK (podman healthcheck run)', () => {
    for (const app of ['api', 'worker'] as const) {
      expect(podmanResult(['healthcheck', 'run', names[app]]).status).toBe(0);
      expect(podman(['inspect', '--format', '{{.State.Health.Status}}', names[app]]).trim()).toBe('healthy');
    }
  });

  it('carries one request id from the api container through Redis into the worker container', async () => {
    const requestId = `image-test-${randomUUID()}`;
    const created = await fetch(`http://127.0.0.1:${ports.api}/api/v1/repositories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `image-${run}`, url: `https://example.com/image/${run}` }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const sync = await fetch(`http://127.0.0.1:${ports.api}/api/v1/repositories/${id}/sync`, { method: 'POST', headers: { 'X-Request-ID': requestId } });
    expect(sync.status).toBe(202);
    const deadline = Date.now() + 60_000;
    while (!logsOf(names.worker).split('\n').some((line) => line.includes(requestId) && line.includes('"msg":"job completed"'))) {
      if (Date.now() > deadline) throw new Error(`the worker's log shows no completed job for ${requestId}:\n${logsOf(names.worker).slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(logsOf(names.api)).toContain(`"request_id":"${requestId}"`);
  });

  it("runs every command the Kubernetes manifests give a container (the image has no shell, no sleep)", () => {
    const commands: Array<{ app: 'api' | 'worker'; command: string[] }> = [];
    const collect = (node: unknown, image?: string): void => {
      if (Array.isArray(node)) return node.forEach((item) => collect(item, image));
      if (node === null || typeof node !== 'object') return;
      const object = node as Record<string, unknown>;
      const own = typeof object.image === 'string' ? object.image : image;
      const app = /\/(api|worker):/.exec(own ?? '')?.[1] as 'api' | 'worker' | undefined;
      for (const [key, value] of Object.entries(object)) {
        if (key === 'command' && Array.isArray(value) && app) commands.push({ app, command: value.map(String) });
        else collect(value, own);
      }
    };
    const dir = join(root, 'deploy/kubernetes/base');
    for (const file of readdirSync(dir)) for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) collect(doc.toJS());
    expect(commands.map((c) => c.command[0])).toEqual(expect.arrayContaining(['node']));
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const { app, command } of commands) {
      const result = podmanResult(['exec', names[app], ...command]);
      expect([command.join(' '), result.status, result.stderr]).toEqual([command.join(' '), 0, '']);
    }
  });

  it('never writes the database password to a log', () => {
    expect(migrateOutput).not.toContain(password);
    for (const name of Object.values(names)) expect(logsOf(name)).not.toContain(password);
  });

  it(`stops both on podman stop with exit code 0 within the ${GRACE_SECONDS} s grace period`, () => {
    const started = Date.now();
    podman(['stop', '-t', String(GRACE_SECONDS), names.api, names.worker]);
    expect(Date.now() - started).toBeLessThan(GRACE_SECONDS * 1000);
    for (const name of Object.values(names)) expect(podman(['inspect', '--format', '{{.State.ExitCode}}', name]).trim()).toBe('0');
    expect(logsOf(names.worker)).not.toContain(password);
  });

  it('keeps the api image under 250 MB (size and layers reported)', () => {
    const facts = { api: imageFacts(imageName('api')), worker: imageFacts(imageName('worker')) };
    console.log(
      ['| image | size MB | layers |', '|---|---:|---:|', ...Object.entries(facts).map(([app, f]) => `| ${imageName(app)} | ${(f.size / 1e6).toFixed(1)} | ${f.layers} |`)].join('\n'),
    );
    expect(facts.api.size).toBeLessThan(250e6);
    expect(facts.worker.size).toBeLessThan(250e6);
  });
});
