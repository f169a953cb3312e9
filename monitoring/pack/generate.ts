// Writes the monitoring pack's rule files. Run (Node 24 runs TypeScript directly):
//   node monitoring/pack/generate.ts                               this repository's pack, into monitoring/prometheus/rules
//   node monitoring/pack/generate.ts --config my-pack.json --out dir   your services (see monitoring/pack/config.ts)
// `npm test` fails when the committed rule files differ from this output.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COMMANDCENTER } from './commandcenter.config.ts';
import type { PackConfig } from './config.ts';
import { buildRuleFiles } from './pack.ts';

const { values } = parseArgs({ options: { config: { type: 'string' }, out: { type: 'string' } } });
const config: PackConfig = values.config ? JSON.parse(readFileSync(resolve(values.config), 'utf8')) : COMMANDCENTER;
const out = values.out ? resolve(values.out) : join(dirname(fileURLToPath(import.meta.url)), '../prometheus/rules');
mkdirSync(out, { recursive: true });
for (const [file, text] of Object.entries(buildRuleFiles(config))) {
  writeFileSync(join(out, file), text);
  console.log(`wrote ${join(out, file)}`);
}
