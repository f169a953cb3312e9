// Builds libs/observability into dist/libs/observability, the folder `npm pack` turns into what users install:
// ES modules in esm/, CommonJS in cjs/ (each with its .d.ts and source maps), and the package.json, README,
// LICENSE and CHANGELOG of libs/observability. Two builds, not one, because nestjs-cls and nestjs-pino ship both
// formats: a CommonJS app must get the CommonJS copies of them through us, or it would run two CLS stores and two
// Logger classes (the dual package hazard). Then the workspace resolves `@commandcenter/observability` through
// this folder, as a user's app does through node_modules.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformFile } from '@swc/core';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const lib = join(root, 'libs/observability');
const out = join(root, 'dist/libs/observability');
const typesTmp = join(root, 'tmp/observability-types');
const swcBase = JSON.parse(readFileSync(join(root, 'swc.config.json'), 'utf8'));
delete swcBase.$schema;

/** Library sources: every .ts under src except tests. */
function sources(dir = join(lib, 'src')) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

async function compile(files, format) {
  for (const file of files) {
    const rel = relative(join(lib, 'src'), file).replace(/\.ts$/, '.js');
    const target = join(out, format, rel);
    const result = await transformFile(file, {
      ...swcBase,
      swcrc: false,
      sourceMaps: true,
      // The map carries the source text, so stack traces and debuggers work without shipping src/.
      inlineSourcesContent: true,
      sourceFileName: relative(dirname(target), file),
      outputPath: target,
      module: format === 'cjs' ? { type: 'commonjs', importInterop: 'node' } : { type: 'es6' },
    });
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${result.code}\n//# sourceMappingURL=${rel.split('/').pop()}.map\n`);
    writeFileSync(`${target}.map`, result.map);
  }
}

/**
 * ES modules are all linked before any of them runs, so a missing peer, or one without an export we import, fails
 * inside a dependency before the peer check could speak. The ES module entry therefore runs the check, then loads
 * the package with a dynamic import (top-level await) and re-exports its names; its .d.ts is the source's.
 * (CommonJS runs requires in order, so its entry needs nothing of the kind.)
 */
async function esmEntryCheckingPeersFirst() {
  const esm = join(out, 'esm');
  for (const suffix of ['.js', '.js.map']) cpSync(join(esm, `index${suffix}`), join(esm, `exports${suffix}`));
  rmSync(join(esm, 'index.js.map'));
  writeFileSync(join(esm, 'exports.js'), readFileSync(join(esm, 'exports.js'), 'utf8').replace('sourceMappingURL=index.js.map', 'sourceMappingURL=exports.js.map'));
  const names = Object.keys(await import(pathToFileURL(join(esm, 'exports.js')).href)).sort();
  writeFileSync(
    join(esm, 'index.js'),
    [
      '// Checks the peers before anything that needs them is linked (see the package README, "Compatibility").',
      "import './lib/peers/assert-peers.js';",
      "const api = await import('./exports.js');",
      `export const { ${names.join(', ')} } = api;`,
      '',
    ].join('\n'),
  );
}

/** The published manifest: the library's package.json without what only the workspace needs. */
function manifest() {
  const pkg = JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8'));
  delete pkg.nx;
  delete pkg.scripts;
  delete pkg.devDependencies;
  return pkg;
}

rmSync(out, { recursive: true, force: true });
rmSync(typesTmp, { recursive: true, force: true });
const files = sources();
await compile(files, 'esm');
await compile(files, 'cjs');
writeFileSync(join(out, 'cjs/package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
await esmEntryCheckingPeersFirst();

// Declarations once, copied into both trees: a .d.ts takes its module format from the nearest package.json.
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(lib, 'tsconfig.lib.json'), '--outDir', typesTmp], { stdio: 'inherit' });
for (const format of ['esm', 'cjs']) cpSync(typesTmp, join(out, format), { recursive: true });

writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest(), null, 2)}\n`);
for (const doc of ['README.md', 'CHANGELOG.md', 'LICENSE']) copyFileSync(join(lib, doc), join(out, doc));

// The workspace's own apps import the package by name, like a user's app: node_modules/@commandcenter/observability
// points at the build output (npm does the same for a linked package).
const link = join(root, 'node_modules/@commandcenter/observability');
mkdirSync(dirname(link), { recursive: true });
let linked = false;
try {
  linked = lstatSync(link).isSymbolicLink();
} catch {
  // absent
}
if (!linked) {
  rmSync(link, { recursive: true, force: true });
  symlinkSync(relative(dirname(link), out), link, 'dir');
}
console.log(`built dist/libs/observability (${files.length} modules, esm + cjs)`);
