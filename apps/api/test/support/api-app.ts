import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import { Registry } from 'prom-client';
import { CaptureStream } from '../../../../tools/testing/log-capture.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/create-app.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const run = promisify(execFile);

export function redisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through their jest config (it starts Redis)');
  return url;
}

export function databaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the api tests through their jest config (it starts PostgreSQL)');
  return url;
}

/** `npm run migrate`'s script, built, against the throwaway database: the same path operators take. */
export async function migrate(): Promise<string> {
  const { stdout } = await run(process.execPath, [join(root, 'dist/apps/api/migrate.js')], {
    env: { ...process.env, DATABASE_URL: databaseUrl() },
  });
  return stdout;
}

export interface ApiApp {
  app: INestApplication;
  url: string;
  registry: Registry;
  close(): Promise<void>;
}

export async function startApi(adapter: 'express' | 'fastify', logs: CaptureStream, env: Record<string, string> = {}): Promise<ApiApp> {
  const config = loadConfig({ DATABASE_URL: databaseUrl(), REDIS_URL: redisUrl(), HTTP_ADAPTER: adapter, PORT: '0', ...env });
  const registry = new Registry();
  const app = await createApp(config, { logging: { level: 'debug', destination: logs }, metrics: { registry } });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, registry, close: () => app.close() };
}
