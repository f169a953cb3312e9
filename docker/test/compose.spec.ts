import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

/** No Docker engine runs here: the compose file is checked statically (the Dockerfile is built and run with podman by tools/images). */
const dockerDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(dockerDir, '..');
const composeText = readFileSync(join(dockerDir, 'compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, { image?: string; build?: { dockerfile: string; args?: { APP?: string; NODE_IMAGE?: string } }; volumes?: string[]; ports?: string[]; environment?: Record<string, unknown> }>;
};
const dockerfile = readFileSync(join(dockerDir, 'app.Dockerfile'), 'utf8');

describe('docker/compose.yml', () => {
  it('has every service of the stack', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['alertmanager', 'alloy', 'api', 'grafana', 'loki', 'migrate', 'node-exporter', 'postgres', 'postgres-exporter', 'prometheus', 'redis', 'tempo', 'worker'].sort(),
    );
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) continue;
      expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:v?\d+(\.\d+)+[\w.-]*$/)]);
    }
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-[a-z]+-slim$/m);
  });

  it('runs the Prometheus and Alertmanager versions the tests run (deploy what is tested)', () => {
    const version = (binary: string) => /version (\d+\.\d+\.\d+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: 'pipe' }))?.[1];
    expect(compose.services.prometheus.image).toBe(`prom/prometheus:v${version('prometheus')}`);
    expect(compose.services.alertmanager.image).toBe(`prom/alertmanager:v${version('prometheus-alertmanager')}`);
  });

  it('mounts only files and folders that exist in the repository', () => {
    const mounts = Object.values(compose.services).flatMap((s) => s.volumes ?? []).map((v) => v.split(':')[0]).filter((src) => src.startsWith('.'));
    expect(mounts.length).toBeGreaterThan(5);
    for (const source of mounts) expect([source, existsSync(resolve(dockerDir, source))]).toEqual([source, true]);
  });

  it('publishes the ports of DESIGN.md', () => {
    const published = Object.fromEntries(
      Object.entries(compose.services)
        .filter(([, s]) => s.ports)
        .map(([name, s]) => [name, Number(/:-(\d+)\}/.exec(s.ports![0])?.[1])]),
    );
    expect(published).toEqual({
      postgres: 5432, redis: 6379, api: 3000, worker: 3001, 'postgres-exporter': 9187, 'node-exporter': 9100,
      prometheus: 9090, alertmanager: 9093, loki: 3100, tempo: 3200, grafana: 3030,
    });
  });

  it('lets Prometheus scrape only services and ports that exist', () => {
    const prometheus = parse(readFileSync(join(root, 'monitoring/prometheus/prometheus.yml'), 'utf8'));
    const containerPort = (service: string) => Number(compose.services[service]?.ports?.[0]?.split(':').at(-1));
    const targets: string[] = prometheus.scrape_configs.flatMap((c: { static_configs: Array<{ targets: string[] }> }) => c.static_configs.flatMap((s) => s.targets));
    targets.push(...prometheus.alerting.alertmanagers.flatMap((a: { static_configs: Array<{ targets: string[] }> }) => a.static_configs.flatMap((s) => s.targets)));
    for (const target of targets) {
      const [host, port] = target.split(':');
      const service = host === 'localhost' ? 'prometheus' : host;
      expect([target, containerPort(service)]).toEqual([target, Number(port)]);
    }
  });

  it('keeps Prometheus data longer than the SLOs\' 30-day window (in compose and in npm run stack)', () => {
    const days = (flags: string[]) => Number(/^--storage\.tsdb\.retention\.time=(\d+)d$/.exec(flags.find((f) => f.startsWith('--storage.tsdb.retention.time=')) ?? '')?.[1]);
    expect(days((compose.services.prometheus as unknown as { command: string[] }).command)).toBeGreaterThan(30);
    const stack = readFileSync(join(root, 'tools/stack/stack.mjs'), 'utf8');
    expect(days([/'(--storage\.tsdb\.retention\.time=[^']+)'/.exec(stack)?.[1] ?? ''])).toBeGreaterThan(30);
  });

  it('builds the apps from real Nx projects and their outputs', () => {
    expect(dockerfile).toMatch(/RUN npx nx run \$\{APP\}:build/);
    expect(dockerfile).toMatch(/COPY --from=build \/workspace\/dist\/apps\/\$\{APP\} \/app\/dist\/apps\/\$\{APP\}/);
    const apps = Object.values(compose.services).map((s) => s.build?.args?.APP).filter(Boolean);
    expect(new Set(apps)).toEqual(new Set(['api', 'worker']));
    for (const app of apps) {
      const project = JSON.parse(readFileSync(join(root, 'apps', app!, 'project.json'), 'utf8'));
      expect(project.name).toBe(app);
      expect(project.targets.build.outputs).toContain(`{workspaceRoot}/dist/apps/${app}`);
    }
  });

  it('gives every app service the build arguments the Dockerfile declares, NODE_IMAGE defaulting to the same image', () => {
    const declared = new Set([...dockerfile.matchAll(/^ARG (\w+)/gm)].map((m) => m[1]));
    const dockerfileDefault = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    const apps = Object.values(compose.services).filter((s) => s.build);
    expect(apps.length).toBeGreaterThan(0);
    for (const service of apps) {
      expect(new Set(Object.keys(service.build?.args ?? {}))).toEqual(declared);
      expect(service.build?.args?.NODE_IMAGE).toBe(`\${NODE_IMAGE:-${dockerfileDefault}}`);
    }
  });

  it('runs the apps as a non-root user on an image with nothing but node, production dependencies and the app', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(dockerfile).toMatch(/^FROM scratch AS runtime$/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect(runtime).toMatch(/^CMD \["node", /m);
    expect(runtime).not.toMatch(/^RUN /m);
    expect(dockerfile.slice(dockerfile.indexOf('AS deps'), dockerfile.indexOf('AS rootfs'))).toMatch(/npm ci --omit=dev/);
  });

  it('takes every secret from the environment, each one listed in .env.example', () => {
    const required = [...composeText.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]);
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    for (const name of new Set([...required, 'SLACK_WEBHOOK_URL', 'SMTP_PASSWORD'])) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
    for (const service of Object.values(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|SECRET|TOKEN|PASS$/.test(key)) expect([key, String(value)]).toEqual([key, expect.stringMatching(/^\$\{/)]);
      }
    }
  });

  it('holds no secret literal anywhere in the repository', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    const offenders = files.filter((file) => {
      if (!existsSync(join(root, file)) || /\.(png|jpg|lock)$/.test(file) || file === 'package-lock.json') return false;
      const text = readFileSync(join(root, file), 'utf8');
      return /hooks\.slack\.com\/services\/T\w+|-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}/.test(text);
    });
    expect(offenders).toEqual([]);
    expect(files).not.toContain('.env');
  });
});
