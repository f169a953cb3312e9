// Writes the dashboards to monitoring/grafana/dashboards/ as Grafana's file provider reads them.
// Run: node monitoring/grafana/generator/generate.ts (Node 24 runs TypeScript directly); `npm test` fails when the
// committed JSON differs from this output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboards } from './dashboards.ts';

const out = join(dirname(fileURLToPath(import.meta.url)), '../dashboards');
mkdirSync(out, { recursive: true });
for (const [file, dashboard] of Object.entries(buildDashboards())) {
  writeFileSync(join(out, file), `${JSON.stringify(dashboard, null, 2)}\n`);
  console.log(`wrote monitoring/grafana/dashboards/${file}`);
}
