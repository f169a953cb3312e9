#!/usr/bin/env node
// npm run images: the api and worker images built from docker/app.Dockerfile with podman, on the real
// node:<version>-bookworm-slim where a registry is reachable (--node-image=...) and otherwise on a base image made
// here from Debian's and npm's packages (tools/images/base-image.mjs). Prints each image's size and layer count.
//
//   npm run images [-- --apps=api,worker] [--node-image=node:24.21.0-bookworm-slim] [--rebuild-base]
import { ensureBaseImage } from './base-image.mjs';
import { APPS, buildImage, imageFacts } from './build.mjs';
import { containerRuntimeProblem } from './podman.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const apps = args.apps ? args.apps.split(',') : APPS;
for (const app of apps) if (!APPS.includes(app)) throw new Error(`--apps: ${APPS.join(' and/or ')}, not ${app}`);

const problem = containerRuntimeProblem();
if (problem) {
  console.error(`npm run images: ${problem}`);
  process.exit(1);
}
const nodeImage = args['node-image'] || ensureBaseImage({ rebuild: 'rebuild-base' in args });
console.log('| image | size MB | layers |\n|---|---:|---:|');
const rows = [];
for (const app of apps) {
  const image = buildImage(app, nodeImage, { log: console.error });
  const { size, layers } = imageFacts(image);
  rows.push(`| ${image} | ${(size / 1e6).toFixed(1)} | ${layers} |`);
}
console.log(rows.join('\n'));
