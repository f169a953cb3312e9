// Writes the Kubernetes manifests under deploy/kubernetes (Node 24 runs TypeScript directly):
//   node deploy/kubernetes/generator/generate.ts
// from commandcenter.config.ts and the monitoring pack's configuration. `npm test` fails when the committed files
// differ from this output, and validates every object against the Kubernetes, Prometheus Operator and KEDA schemas.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDCENTER_DEPLOY } from './commandcenter.config.ts';
import { buildManifests } from './manifests.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const [path, text] of Object.entries(buildManifests(COMMANDCENTER_DEPLOY))) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  console.log(`wrote deploy/kubernetes/${path}`);
}
