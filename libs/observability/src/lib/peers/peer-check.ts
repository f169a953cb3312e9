import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTIONAL_PEERS, REQUIRED_PEERS, SUPPORTED_NODE } from './supported-peers.js';

/** A peer that is missing or outside its supported range; its stack is its message, since the stack says nothing more. */
export class PeerDependencyError extends Error {
  override name = 'PeerDependencyError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/** Where a package would be found from `from`, as Node looks: `node_modules/<name>` in each folder up to the root. */
export function installedVersion(name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `version` within `range`, for the ranges this package declares: caret ranges (`^11.0.8`) joined by `||`, or `>=x.y`. */
export function satisfies(version: string, range: string): boolean {
  const found = parse(version);
  if (!found) return false;
  return range.split('||').some((part) => {
    const text = part.trim();
    const wanted = parse(text.replace(/^(\^|>=)/, ''));
    if (!wanted) return false;
    if (compare(found, wanted) < 0) return false;
    if (text.startsWith('>=')) return true;
    // Caret: same major, or for 0.x the same minor.
    return wanted[0] > 0 ? found[0] === wanted[0] : found[0] === 0 && found[1] === wanted[1];
  });
}

function parse(version: string): [number, number, number] | undefined {
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)] : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Checks Node.js and the peers before any module of the package that needs them is loaded. Required peers must be
 * installed and in range; an optional peer out of range gets one warning (its integration may misbehave), since it
 * can be present for another package's sake. Returns the problems found; throws for the first fatal one.
 */
export function checkPeers(from: string, nodeVersion = process.versions.node): string[] {
  if (!satisfies(nodeVersion, SUPPORTED_NODE)) {
    throw new PeerDependencyError(`@commandcenter/observability needs Node.js ${SUPPORTED_NODE}, this is ${nodeVersion}`);
  }
  for (const [name, range] of Object.entries(REQUIRED_PEERS)) {
    const version = installedVersion(name, from);
    if (version === undefined || !satisfies(version, range)) {
      const found = version === undefined ? 'it is not installed' : `found ${version}`;
      throw new PeerDependencyError(
        `@commandcenter/observability needs ${name} ${range}, ${found}: npm install ${name}@"${range.split('||').pop()!.trim()}"`,
      );
    }
  }
  const warnings: string[] = [];
  for (const [name, range] of Object.entries(OPTIONAL_PEERS)) {
    const version = installedVersion(name, from);
    if (version !== undefined && !satisfies(version, range)) {
      warnings.push(`@commandcenter/observability supports ${name} ${range}, found ${version}: its integration may not work`);
    }
  }
  return warnings;
}

/** The folder this file is in, as Node resolved it: peers are looked up from there, as Node looks them up. */
export function packageLocation(moduleUrl: string): string {
  return dirname(fileURLToPath(moduleUrl));
}
