import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { checkPeers, installedVersion, PeerDependencyError, satisfies } from './peer-check.js';
import { OPTIONAL_PEERS, REQUIRED_PEERS, SUPPORTED_NODE } from './supported-peers.js';

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(here, '../../../package.json'), 'utf8')) as {
  engines: { node: string };
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** A folder with node_modules/<name>/package.json for each given version, and a nested folder to look from. */
function installed(versions: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'peers-'));
  for (const [name, version] of Object.entries(versions)) {
    mkdirSync(join(root, 'node_modules', name), { recursive: true });
    writeFileSync(join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
  }
  const from = join(root, 'node_modules/@commandcenter/observability/esm/lib/peers');
  mkdirSync(from, { recursive: true });
  return from;
}

const inRange = Object.fromEntries(Object.entries(REQUIRED_PEERS).map(([name, range]) => [name, range.split('||').pop()!.trim().slice(1)]));

describe('peer check', () => {
  it('declares in package.json exactly the ranges it checks', () => {
    const optional = Object.keys(manifest.peerDependenciesMeta).filter((name) => manifest.peerDependenciesMeta[name].optional);
    expect(manifest.peerDependencies).toEqual({ ...REQUIRED_PEERS, ...OPTIONAL_PEERS });
    expect(optional.sort()).toEqual(Object.keys(OPTIONAL_PEERS).sort());
    expect(manifest.engines.node).toBe(SUPPORTED_NODE);
  });

  it('reads caret ranges joined by ||, and >=', () => {
    expect(satisfies('11.1.3', '^11.0.8 || ^12.0.2')).toBe(true);
    expect(satisfies('12.5.1', '^11.0.8 || ^12.0.2')).toBe(true);
    expect(satisfies('11.0.7', '^11.0.8 || ^12.0.2')).toBe(false);
    expect(satisfies('10.4.0', '^11.0.8 || ^12.0.2')).toBe(false);
    expect(satisfies('13.0.0', '^11.0.8 || ^12.0.2')).toBe(false);
    expect(satisfies('0.2.2', '^0.2.0')).toBe(true);
    expect(satisfies('0.1.14', '^0.2.0')).toBe(false);
    expect(satisfies('0.3.0', '^0.2.0')).toBe(false);
    expect(satisfies('24.21.0', '>=22.12.0')).toBe(true);
    expect(satisfies('22.11.0', '>=22.12.0')).toBe(false);
    expect(satisfies('not a version', '^1.0.0')).toBe(false);
  });

  it('finds a package the way Node does, in the nearest node_modules up the tree', () => {
    const from = installed({ 'nestjs-cls': '7.0.0' });
    expect(installedVersion('nestjs-cls', from)).toBe('7.0.0');
    expect(installedVersion('nestjs-pino', from)).toBeUndefined();
  });

  it('passes with every required peer in range', () => {
    expect(checkPeers(installed(inRange), '24.21.0')).toEqual([]);
  });

  it('names the missing peer and its range in one line', () => {
    const { 'nestjs-pino': _, ...rest } = inRange;
    const error = (() => {
      try {
        checkPeers(installed(rest), '24.21.0');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PeerDependencyError);
    expect(error!.message).toBe('@commandcenter/observability needs nestjs-pino ^5.2.1, it is not installed: npm install nestjs-pino@"^5.2.1"');
    expect(error!.stack).toBe(`PeerDependencyError: ${error!.message}`);
  });

  it('names a peer outside its range with the version found', () => {
    expect(() => checkPeers(installed({ ...inRange, '@nestjs/core': '10.4.15' }), '24.21.0')).toThrow(
      '@commandcenter/observability needs @nestjs/core ^11.0.8 || ^12.0.2, found 10.4.15',
    );
  });

  it('refuses a Node.js older than the engines range', () => {
    expect(() => checkPeers(installed(inRange), '20.20.2')).toThrow('needs Node.js >=22.12.0, this is 20.20.2');
  });

  it('warns, without failing, about an optional peer out of range', () => {
    expect(checkPeers(installed({ ...inRange, bull: '3.29.3' }), '24.21.0')).toEqual([
      '@commandcenter/observability supports bull ^4.16.0, found 3.29.3: its integration may not work',
    ]);
  });
});
