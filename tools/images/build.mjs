// Builds the apps' images from docker/app.Dockerfile as it is, with podman. What this machine needs for the build
// goes in as build-time volumes, never into an image: the npm configuration (registry, CA file) and the CA bundle
// npm's TLS goes through here, and npm's cache (the same packages the workspace installed).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { podman, root, workDir } from './podman.mjs';

export const VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
export const APPS = ['api', 'worker'];
export const imageName = (/** @type {string} */ app) => `localhost/commandcenter-${app}:${VERSION}`;

const npmConfig = (/** @type {string} */ key) => {
  const value = execFileSync('npm', ['config', 'get', key], { encoding: 'utf8' }).trim();
  return value && value !== 'null' && value !== 'undefined' ? value : undefined;
};

/** @type {string[] | undefined} */
let volumeArgs;

/** The build-time volumes (worked out once): npm's registry and CA file as this machine has them, and its cache. */
function buildVolumes() {
  if (volumeArgs) return volumeArgs;
  const volumes = [];
  const npmrc = [`registry=${npmConfig('registry') ?? 'https://registry.npmjs.org/'}`, 'update-notifier=false'];
  const ca = npmConfig('cafile') ?? process.env.NODE_EXTRA_CA_CERTS;
  if (ca && existsSync(ca)) {
    volumes.push(`${ca}:/run/host-ca.crt:ro`);
    npmrc.push('cafile=/run/host-ca.crt');
  }
  const file = join(workDir, 'npmrc');
  writeFileSync(file, `${npmrc.join('\n')}\n`);
  volumes.push(`${file}:/root/.npmrc:ro`);
  const cache = npmConfig('cache');
  if (cache && existsSync(cache)) volumes.push(`${cache}:/root/.npm`);
  volumeArgs = volumes.flatMap((v) => ['--volume', v]);
  return volumeArgs;
}

/** The build arguments, the same the compose file gives (docker/test/compose.spec.ts checks it). */
export const buildArgs = (/** @type {string} */ app, /** @type {string} */ nodeImage) => ({ APP: app, NODE_IMAGE: nodeImage });

/**
 * Builds one app's image; `--format docker` keeps the HEALTHCHECK (the OCI format has none).
 * @param {string} app
 * @param {string} nodeImage
 * @param {{ log?: (line: string) => void }} [options]
 */
export function buildImage(app, nodeImage, { log = console.log } = {}) {
  const args = Object.entries(buildArgs(app, nodeImage)).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  const started = Date.now();
  podman(['build', '--format', 'docker', '--network', 'host', ...args, ...buildVolumes(), '-f', 'docker/app.Dockerfile', '-t', imageName(app), root], { timeoutMs: 1_200_000 });
  log(`${imageName(app)}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return imageName(app);
}

/**
 * Size in bytes and layer count of an image, as podman stores it.
 * @param {string} image
 */
export function imageFacts(image) {
  const [size, layers] = podman(['image', 'inspect', '--format', '{{.Size}} {{len .RootFS.Layers}}', image]).trim().split(' ').map(Number);
  return { size, layers };
}
