// Consumer apps: what a Nest team gets from `npm install @commandcenter/observability`. Each app folder here has its
// own package.json and lockfile (real Nest packages from the registry, never the workspace's node_modules); it is
// installed into tmp/consumers/<name> (kept while its lockfile is unchanged, so a rerun only reinstalls the
// package), gets the packed tarball with `npm install`, and is compiled by its own TypeScript.
//
//   node e2e/consumers/consumers.mjs            pack the library and install every consumer (what .ci/run warms)
//   node e2e/consumers/consumers.mjs --deps     only the registry installs, no tarball (needs no build)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '../..');
export const workDir = join(root, 'tmp/consumers');

/** The matrix: each consumer app, its module format, and the Node.js majors it runs on. */
export const CONSUMERS = {
  'nest11-cjs': { nest: 11, format: 'commonjs', nodes: [24, 22] },
  'nest12-esm': { nest: 12, format: 'module', nodes: [24] },
};

// npm is run with the Node.js that runs this script (24 under `npm test`), whatever the machine's own is.
function npm(args, cwd) {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

/** `npm pack` of the built library (dist/libs/observability): the file users install. */
export function packLibrary() {
  const dist = join(root, 'dist/libs/observability');
  if (!existsSync(join(dist, 'package.json'))) throw new Error('dist/libs/observability is missing: run npx nx build observability');
  mkdirSync(workDir, { recursive: true });
  const [packed] = JSON.parse(npm(['pack', dist, '--pack-destination', workDir, '--json'], workDir));
  return { tarball: join(workDir, packed.filename), files: packed.files.map((f) => f.path), packed };
}

function lockHash(source) {
  return createHash('sha256')
    .update(readFileSync(join(source, 'package.json')))
    .update(readFileSync(join(source, 'package-lock.json')))
    .digest('hex');
}

/** The consumer's registry dependencies, from its lockfile; skipped while the installed ones match it. */
export function installDependencies(name) {
  const source = join(here, name);
  const dir = join(workDir, name);
  const marker = join(dir, 'node_modules/.consumer-lock');
  const hash = lockHash(source);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === hash) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(source, file), join(dir, file));
  npm(['ci', '--ignore-scripts'], dir);
  writeFileSync(marker, hash);
  return dir;
}

/** Installs the tarball into the consumer and compiles the app with the consumer's TypeScript. */
export function installConsumer(name, tarball) {
  const dir = installDependencies(name);
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json']) cpSync(join(here, name, file), join(dir, file));
  rmSync(join(dir, 'src'), { recursive: true, force: true });
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  rmSync(join(dir, 'tsconfig.tsbuildinfo'), { force: true });
  cpSync(join(here, 'app/src'), join(dir, 'src'), { recursive: true });
  npm(['install', '--no-save', '--ignore-scripts', tarball], dir);
  execFileSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, stdio: 'pipe' });
  return dir;
}

/** A Node.js binary of another major, from the registry's `node` package, kept under tmp/. */
export function nodeBinary(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const dir = join(workDir, `node-${major}`);
  const binary = join(dir, 'node_modules/node/bin/node');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
    // The `node` package's install script links the binary that its platform package carries.
    npm(['install', '--no-save', `node@${major}`], dir);
  }
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const depsOnly = process.argv.includes('--deps');
  const { tarball } = depsOnly ? {} : packLibrary();
  for (const [name, { nodes }] of Object.entries(CONSUMERS)) {
    const started = Date.now();
    if (depsOnly) installDependencies(name);
    else installConsumer(name, tarball);
    for (const major of nodes) nodeBinary(major);
    console.log(`consumer ${name}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
