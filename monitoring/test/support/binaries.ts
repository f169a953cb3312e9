import { execFileSync } from 'node:child_process';

/** Finds a Debian-packaged binary, or fails naming the package that brings it. */
export function requireBinary(name: string, debianPackage: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} not found: apt-get install -y ${debianPackage}`);
  }
}
