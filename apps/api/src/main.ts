import { ConfigError, loadConfig } from './config.js';
import { createApp } from './create-app.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, '0.0.0.0');
}

main().catch((error: unknown) => {
  // One clear line, no stack, for configuration mistakes; the full error otherwise.
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`api failed to start: ${message}\n`);
  process.exit(1);
});
