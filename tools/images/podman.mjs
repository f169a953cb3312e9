// Podman as this kind of machine runs it (rootful, Debian's packages): runc as the OCI runtime (Debian's crun 1.8
// refuses the hybrid cgroup layout), cgroupfs, and ulimits within the hard limits (root here cannot raise them; runc
// sets every default one, and Podman's defaults are above them). The configuration goes in tmp/images, passed to
// every podman command through CONTAINERS_CONF; nothing on the machine is changed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

export const workDir = join(root, 'tmp/images');

/** The soft = hard limits containers get: this process's open-files limit, and a process limit runc can set here. */
function ulimits() {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const hard = (/** @type {string} */ name) => Number(new RegExp(`^${name}\\s+\\S+\\s+(\\d+)`, 'm').exec(limits)?.[1]) || 1024;
  const nofile = Math.min(hard('Max open files'), 65_536);
  // runc could not set RLIMIT_NPROC to 65,536 or to the hard limit here (EPERM without CAP_SYS_RESOURCE), 4,096 it can.
  const nproc = Math.min(hard('Max processes'), 4096);
  return { nofile, nproc };
}

/** @type {NodeJS.ProcessEnv | undefined} */
let env;

/** The environment every podman command runs with (writes tmp/images/containers.conf once). */
export function podmanEnv() {
  if (env) return env;
  mkdirSync(workDir, { recursive: true });
  const { nofile, nproc } = ulimits();
  const conf = join(workDir, 'containers.conf');
  writeFileSync(
    conf,
    [
      '[containers]',
      `default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]`,
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      '',
    ].join('\n'),
  );
  env = { ...process.env, CONTAINERS_CONF: conf };
  return env;
}

/**
 * Runs podman: its exit code, stdout and stderr (without the systemd noise).
 * @param {string[]} args
 * @param {{ timeoutMs?: number }} [options]
 */
export function podmanResult(args, { timeoutMs = 600_000 } = {}) {
  const result = spawnSync('podman', args, { env: podmanEnv(), encoding: 'utf8', maxBuffer: 64 * 2 ** 20, timeout: timeoutMs });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: withoutSystemdNoise(result.stderr) };
}

/**
 * Runs podman; returns stdout. Throws with podman's stderr when it fails.
 * @param {string[]} args
 * @param {{ timeoutMs?: number }} [options]
 */
export function podman(args, options) {
  const result = podmanResult(args, options);
  if (result.status !== 0) throw new Error(`podman ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

/**
 * Without systemd, podman says at each run that it cannot set up the health check's timer: noise here.
 * @param {string} text
 */
export function withoutSystemdNoise(text) {
  return text
    .split('\n')
    .filter((line) => !/systemd connection to (add|start) healthchecks/.test(line))
    .join('\n');
}

/** Why no container can run here (podman missing), or undefined. The image tests skip with this reason, and only then. */
export function containerRuntimeProblem() {
  const found = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) return 'podman is not installed (apt-get install -y podman runc debootstrap)';
  return undefined;
}
