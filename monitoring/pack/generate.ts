// Writes the monitoring pack: rule files, their generic promtool tests, and Grafana dashboards. Run (Node 24 runs TypeScript directly):
//   node monitoring/pack/generate.ts                                   this repository's pack, into monitoring/prometheus/rules,
//                                                                      monitoring/prometheus/tests and monitoring/grafana/dashboards
//   node monitoring/pack/generate.ts --config my-pack.json --out dir   your services (see monitoring/pack/config.ts), into
//                                                                      dir/rules, dir/tests and dir/dashboards
// `npm test` fails when the committed files differ from this output.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COMMANDCENTER } from './commandcenter.config.ts';
import type { PackConfig } from './config.ts';
import { buildPack } from './pack.ts';

const { values } = parseArgs({ options: { config: { type: 'string' }, out: { type: 'string' } } });
const config: PackConfig = values.config ? JSON.parse(readFileSync(resolve(values.config), 'utf8')) : COMMANDCENTER;
const monitoring = join(dirname(fileURLToPath(import.meta.url)), '..');
const dirs = values.out
  ? { rules: join(resolve(values.out), 'rules'), tests: join(resolve(values.out), 'tests'), dashboards: join(resolve(values.out), 'dashboards') }
  : { rules: join(monitoring, 'prometheus/rules'), tests: join(monitoring, 'prometheus/tests'), dashboards: join(monitoring, 'grafana/dashboards') };
const pack = buildPack(config);
for (const [kind, files] of Object.entries(pack) as Array<[keyof typeof pack, Record<string, string>]>) {
  mkdirSync(dirs[kind], { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(join(dirs[kind], file), text);
    console.log(`wrote ${relative(process.cwd(), join(dirs[kind], file))}`);
  }
}
