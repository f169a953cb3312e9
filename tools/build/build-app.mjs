// Builds an app into dist/apps/<app>/ (or a tool, given as a path such as tools/bench, into dist/tools/bench/): esbuild bundles the app and the workspace libraries into one ES module
// per entry, with swc compiling TypeScript (esbuild alone emits no decorator metadata, which Nest's DI needs).
// The workspace's npm dependencies stay external and load from node_modules. @commandcenter/observability is bundled
// from its built package, resolved through its exports map as in a user's app (tools/build/build-lib.mjs links it).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from '@swc/core';
import { build } from 'esbuild';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const [app, ...entries] = process.argv.slice(2);
if (!app || entries.length === 0) {
  console.error('usage: node tools/build/build-app.mjs <app | tools/name> <entry.ts>...');
  process.exit(2);
}
const projectDir = app.includes('/') ? app : join('apps', app);
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys({ ...rootManifest.dependencies, ...rootManifest.devDependencies }).flatMap((name) => [name, `${name}/*`]);
const swcOptions = JSON.parse(readFileSync(join(root, 'swc.config.json'), 'utf8'));
delete swcOptions.$schema;

const swcPlugin = {
  name: 'swc-decorators',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = readFileSync(args.path, 'utf8');
      const out = await transform(source, { ...swcOptions, filename: args.path, swcrc: false, sourceMaps: 'inline' });
      return { contents: out.code, loader: 'js' };
    });
  },
};

await build({
  entryPoints: entries.map((e) => join(root, projectDir, 'src', e)),
  outdir: join(root, 'dist', projectDir),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  keepNames: true,
  external,
  sourcemap: 'linked',
  alias: {
    '@commandcenter/domain': join(root, 'libs/domain/src/index.ts'),
    '@commandcenter/app-kit': join(root, 'libs/app-kit/src/index.ts'),
  },
  resolveExtensions: ['.ts', '.js'],
  plugins: [
    swcPlugin,
    {
      // Sources import './x.js' (NodeNext style); point those at the .ts files.
      name: 'ts-extension',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, async (args) => {
          if (args.pluginData?.tsRetry) return undefined;
          const result = await b.resolve(args.path.replace(/\.js$/, '.ts'), {
            kind: args.kind,
            resolveDir: args.resolveDir,
            pluginData: { tsRetry: true },
          });
          return result.errors.length === 0 ? result : undefined;
        });
      },
    },
  ],
  logLevel: 'warning',
});
console.log(`built dist/${projectDir}: ${entries.map((e) => e.replace(/\.ts$/, '.js')).join(', ')}`);
