import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { installConsumer, packLibrary, root, workDir } from '../consumers.mjs';

interface Manifest {
  name: string;
  main: string;
  module: string;
  types: string;
  exports: Record<string, unknown>;
  [key: string]: unknown;
}

/** Every file an exports map (or main/module/types) points at. */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

describe('the packed package', () => {
  let tarball: string;
  let files: string[];
  let manifest: Manifest;

  beforeAll(() => {
    ({ tarball, files } = packLibrary());
    manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  });

  it('holds the build, its types and maps, the docs, and nothing else', () => {
    expect(files.filter((f) => !/^(esm|cjs)\//.test(f)).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']);
    expect(files.filter((f) => /\.spec\.|int-spec|\/test\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    for (const format of ['esm', 'cjs']) {
      expect(files).toContain(`${format}/index.js`);
      expect(files).toContain(`${format}/index.d.ts`);
      expect(files).toContain(`${format}/lib/observability.module.js.map`);
    }
    expect(files).toContain('cjs/index.js.map');
    expect(files).toContain('esm/exports.js.map');
    expect(files).toContain('cjs/package.json');
  });

  it('names an existing file in every export, main, module and types field', () => {
    const named = [...targets(manifest.exports), manifest.main, manifest.module, manifest.types].map((t) => t.replace(/^\.\//, ''));
    expect(named.length).toBeGreaterThan(6);
    for (const file of named) expect(files).toContain(file);
    // Types first in each condition, as TypeScript requires.
    const root = manifest.exports['.'] as Record<string, Record<string, string>>;
    for (const condition of Object.values(root)) expect(Object.keys(condition)[0]).toBe('types');
  });

  it('carries no workspace paths or workspace-only fields', () => {
    const { repository: _, homepage: __, ...rest } = manifest;
    const text = JSON.stringify(rest);
    expect(text).not.toMatch(/libs\/|\.\.\/|workspace|file:/);
    for (const field of ['nx', 'scripts', 'devDependencies', 'private']) expect(manifest).not.toHaveProperty(field);
    expect(manifest).toMatchObject({ name: '@commandcenter/observability', license: 'MIT', type: 'module' });
    expect(Object.keys(manifest)).toEqual(expect.arrayContaining(['version', 'engines', 'sideEffects', 'peerDependencies', 'peerDependenciesMeta', 'repository']));
  });

  it('publishes cleanly (npm publish --dry-run)', () => {
    const run = spawnSync('npm', ['publish', '--dry-run', '--json', join(root, 'dist/libs/observability')], { encoding: 'utf8', cwd: workDir });
    expect(run.status).toBe(0);
    // The only warning allowed is that this machine is not logged in to the registry.
    const warnings = run.stderr.split('\n').filter((l) => /warn/i.test(l) && !/requires you to be logged in/.test(l));
    expect(warnings).toEqual([]);
  });

  it('resolves its types under node10, node16 from CommonJS and from ES modules, and bundler (arethetypeswrong)', () => {
    const run = spawnSync(join(root, 'node_modules/.bin/attw'), [tarball, '--format', 'json'], { encoding: 'utf8' });
    const report = JSON.parse(run.stdout) as { analysis: { problems: unknown[]; entrypoints: Record<string, { resolutions: Record<string, unknown> }> } };
    expect(report.analysis.problems).toEqual([]);
    expect(Object.keys(report.analysis.entrypoints['.'].resolutions).sort()).toEqual(['bundler', 'node10', 'node16-cjs', 'node16-esm']);
  });
});

describe('nx release', () => {
  it('turns a version plan into the next version and a CHANGELOG entry (dry run)', () => {
    const plan = join(root, '.nx/version-plans/consumers-test-plan.md');
    mkdirSync(dirname(plan), { recursive: true });
    writeFileSync(plan, '---\nobservability: patch\n---\n\nA change planned by the package test.\n');
    try {
      const current = (JSON.parse(readFileSync(join(root, 'libs/observability/package.json'), 'utf8')) as { version: string }).version;
      const [major, minor, patch] = current.split('.').map(Number);
      const next = `${major}.${minor}.${patch + 1}`;
      const run = spawnSync(join(root, 'node_modules/.bin/nx'), ['release', '--dry-run', '--skip-publish'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' },
      });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`+   "version": "${next}"`);
      expect(run.stdout).toContain(`+ ## ${next} (`);
      expect(run.stdout).toContain('A change planned by the package test.');
      expect(run.stdout).toContain('libs/observability/CHANGELOG.md');
    } finally {
      rmSync(plan, { force: true });
    }
  });
});

describe('TypeScript consumers', () => {
  let dir: string;
  let esmDir: string;
  beforeAll(() => {
    const { tarball } = packLibrary();
    dir = installConsumer('nest11-cjs', tarball);
    esmDir = installConsumer('nest12-esm', tarball);
  }, 300_000);

  it('exports the same names to require() and to import', () => {
    const names = (format: 'commonjs' | 'module', cwd: string) => {
      const code =
        format === 'commonjs'
          ? "console.log(JSON.stringify(Object.keys(require('@commandcenter/observability')).sort()))"
          : "console.log(JSON.stringify(Object.keys(await import('@commandcenter/observability')).sort()))";
      return JSON.parse(execFileSync(process.execPath, ['--input-type', format, '-e', code], { cwd, encoding: 'utf8' })) as string[];
    };
    const required = names('commonjs', dir);
    expect(required).toContain('ObservabilityModule');
    expect(names('module', esmDir)).toEqual(required);
  });

  // A file that uses the public types, with one deliberate mistake: the types are real, not `any`.
  const usage = `import { ObservabilityModule, CorrelationService, metricToken, sqlCommentingClient } from '@commandcenter/observability';
ObservabilityModule.forRoot({ serviceName: 'types', metrics: { path: '/metrics' } });
// @ts-expect-error: no such option
ObservabilityModule.forRoot({ serviceName: 'types', metrics: { pathh: '/metrics' } });
const token: string = metricToken('http_requests_total');
export const used = [CorrelationService, sqlCommentingClient, token];
`;

  it.each([
    ['commonjs', 'node10', 'usage.ts'],
    ['node16', 'node16', 'usage.ts'],
    ['nodenext', 'nodenext', 'usage.ts'],
    ['nodenext', 'nodenext', 'usage.mts'],
    ['esnext', 'bundler', 'usage.ts'],
  ])('resolves and checks with module %s, moduleResolution %s (%s)', (module, moduleResolution, file) => {
    const check = join(dir, `types-${module}-${moduleResolution}-${file.replace('.', '-')}`);
    rmSync(check, { recursive: true, force: true });
    mkdirSync(check);
    writeFileSync(join(check, file), usage);
    const compilerOptions = { module, moduleResolution, target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: ['../node_modules/@types'] };
    writeFileSync(join(check, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [file] }));
    const run = spawnSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', check], { encoding: 'utf8', cwd: dir });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  describe('a peer that is missing or out of range', () => {
    /** The consumer's node_modules, linked, with one package replaced (version) or left out (undefined). */
    function withPeer(name: string, version: string | undefined, consumer = dir): string {
      // Outside the workspace, whose own node_modules Node would otherwise find on the way up.
      const fake = join(tmpdir(), 'commandcenter-peers', `${name.replace('/', '-')}-${version ?? 'missing'}-${consumer === dir ? 'cjs' : 'esm'}`);
      const from = consumer;
      rmSync(fake, { recursive: true, force: true });
      const modules = join(fake, 'node_modules');
      mkdirSync(join(modules, '@commandcenter'), { recursive: true });
      for (const entry of readdirSync(join(from, 'node_modules'))) {
        if (entry === '@commandcenter' || entry.startsWith('.') || entry === '@nestjs') continue;
        if (entry === name) continue;
        symlinkSync(join(from, 'node_modules', entry), join(modules, entry));
      }
      mkdirSync(join(modules, '@nestjs'));
      for (const entry of readdirSync(join(from, 'node_modules/@nestjs'))) {
        if (`@nestjs/${entry}` !== name) symlinkSync(join(from, 'node_modules/@nestjs', entry), join(modules, '@nestjs', entry));
      }
      // A copy, not a link: the package looks for its peers from where it lies, as Node does.
      cpSync(join(from, 'node_modules/@commandcenter/observability'), join(modules, '@commandcenter/observability'), { recursive: true });
      if (version) {
        mkdirSync(join(modules, name), { recursive: true });
        writeFileSync(join(modules, name, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
        writeFileSync(join(modules, name, 'index.js'), 'module.exports = {};\n');
      }
      return fake;
    }

    function load(cwd: string, format: 'commonjs' | 'module') {
      const code = format === 'commonjs' ? "require('@commandcenter/observability')" : "await import('@commandcenter/observability')";
      return spawnSync(process.execPath, ['--input-type', format, '-e', code], { cwd, encoding: 'utf8' });
    }

    it.each(['commonjs', 'module'] as const)('stops a %s app with one line naming the package, its range and the version found', (format) => {
      const run = load(withPeer('nestjs-cls', '6.1.0', format === 'module' ? esmDir : dir), format);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('PeerDependencyError: @commandcenter/observability needs nestjs-cls ^7.0.0, found 6.1.0: npm install nestjs-cls@"^7.0.0"');
      expect(run.stderr).not.toMatch(/^\s+at /m);
    });

    it.each(['commonjs', 'module'] as const)('stops a %s app that lacks a peer with one line naming it', (format) => {
      const run = load(withPeer('nestjs-pino', undefined, format === 'module' ? esmDir : dir), format);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('PeerDependencyError: @commandcenter/observability needs nestjs-pino ^5.2.1, it is not installed');
      expect(run.stderr).not.toMatch(/^\s+at /m);
    });

    it.each(['commonjs', 'module'] as const)('loads in a %s app whose peers are all in range', (format) => {
      const run = load(format === 'module' ? esmDir : dir, format);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    });
  });
});
