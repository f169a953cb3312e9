import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { buildPack } from '../../monitoring/pack/pack.ts';
import { requireBinary } from '../../monitoring/test/support/binaries.ts';
import { COMMANDCENTER_DEPLOY } from '../kubernetes/generator/commandcenter.config.ts';
import type { DeployConfig } from '../kubernetes/generator/config.ts';
import { buildManifests } from '../kubernetes/generator/manifests.ts';
import { CLUSTER_RULE_FILES } from '../kubernetes/generator/monitoring.ts';
import { type K8sObject, kustomize, podTemplates } from './support/kustomize.ts';
import { validateObject } from './support/schemas.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../kubernetes');
const config = COMMANDCENTER_DEPLOY;
const dirs = ['base', ...config.overlays.map((o) => `overlays/${o.name}`), 'monitoring', 'logging'];
const rendered = Object.fromEntries(dirs.map((d) => [d, kustomize(join(root, d))]));
const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

function committedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (f === 'generator' ? [] : statSync(join(dir, f)).isDirectory() ? committedFiles(join(dir, f)) : [join(dir, f)]));
}

describe('the Kubernetes manifests', () => {
  it('are committed exactly as the generator writes them (node deploy/kubernetes/generator/generate.ts), nothing else', () => {
    const generated = buildManifests(config);
    const committed = Object.fromEntries(committedFiles(root).map((f) => [relative(root, f), readFileSync(f, 'utf8')]));
    expect(committed).toEqual(generated);
  });

  it.each(dirs)('%s: every object, rendered as kustomize would, is valid against its schema', (dir) => {
    expect(rendered[dir].length).toBeGreaterThan(0);
    for (const object of rendered[dir]) {
      validateObject(object);
      expect(object.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(object.metadata.name.length).toBeLessThanOrEqual(63);
    }
  });

  it('the schema check can fail: a wrong type, a missing field or an unknown kind is refused', () => {
    const deployment = structuredClone(find(rendered.base, 'Deployment', 'api'));
    expect(() => validateObject({ ...deployment, spec: { ...deployment.spec, replicas: 'three' } })).toThrow(/spec\/replicas must be integer/);
    expect(() => validateObject({ ...deployment, spec: { ...deployment.spec, selector: undefined } })).toThrow(/selector/);
    const monitor = find(rendered.base, 'ServiceMonitor', 'api');
    expect(() => validateObject({ ...monitor, spec: { ...monitor.spec, endpoints: 'http' } })).toThrow(/endpoints/);
    expect(() => validateObject({ ...monitor, kind: 'ServiceMonitr' })).toThrow(/no schema/);
  });

  it('run the apps unprivileged: not root, read-only root filesystem, no escalation, no capabilities, requests and a memory limit', () => {
    const pods = podTemplates(rendered.base);
    expect(pods.map((p) => p.owner.metadata.name).sort()).toEqual(['api', 'migrate-0-1-0', 'worker']);
    for (const { pod } of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources.limits.memory).toBeTruthy();
        // The one writable place, for Node's and the libraries' temporary files.
        expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
        // Secrets come from the team's Secret, never as literal values.
        for (const env of c.env) if (/URL|PASSWORD/.test(env.name)) expect(env.valueFrom.secretKeyRef.name).toBe(config.secretName);
      }
    }
  });

  it('probe liveness on /health/live and readiness on /health, the routes both apps serve', () => {
    const controller = readFileSync(join(root, '../../libs/app-kit/src/lib/health.controller.ts'), 'utf8');
    expect(controller).toContain("@Controller('health')");
    expect(controller).toContain("@Get('live')");
    for (const name of ['api', 'worker']) {
      const [c] = find(rendered.base, 'Deployment', name).spec.template.spec.containers;
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    }
  });

  it('wire selectors and names together: Services, budgets and monitors find the pods, the autoscaler its Deployment', () => {
    const objects = rendered.base;
    for (const name of ['api', 'worker']) {
      const pods = find(objects, 'Deployment', name).spec.template.metadata.labels;
      const service = find(objects, 'Service', name);
      expect(matches(service.spec.selector, pods)).toBe(true);
      expect(matches(find(objects, 'PodDisruptionBudget', name).spec.selector.matchLabels, pods)).toBe(true);
      const monitor = find(objects, 'ServiceMonitor', name);
      expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
      expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(monitor.spec.endpoints[0].port);
      expect(monitor.metadata.labels?.release).toBe(config.monitoring.release);
      // Under a ServiceMonitor the job label is the Service's name: the pack's selector must say so.
      expect(config.monitoring.pack.services.find((s) => s.name === name)?.selector).toBe(`job="${service.metadata.name}"`);
    }
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'api');
    expect(find(objects, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name)).toBeDefined();
    // The autoscaler owns the api's replica count: a Deployment that names one would reset it at every apply.
    expect(find(objects, 'Deployment', 'api').spec.replicas).toBeUndefined();
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(find(objects, 'Job', 'migrate-0-1-0').spec.template.spec.containers[0]).toMatchObject({ image: `${config.images.api}:${config.version}`, command: ['node', '/app/migrate.js'] });
  });

  it('overlays put everything in their namespace with pinned images; production scales the worker with KEDA, staging keeps its replicas', () => {
    const staging = rendered['overlays/staging'];
    const production = rendered['overlays/production'];
    expect(new Set(staging.map((o) => o.metadata.namespace))).toEqual(new Set(['commandcenter-staging']));
    expect(new Set(production.map((o) => o.metadata.namespace))).toEqual(new Set(['commandcenter']));
    for (const { pod } of podTemplates(production)) for (const c of pod.containers) expect(c.image).toMatch(/:0\.1\.0$/);
    expect(find(staging, 'Deployment', 'worker').spec.replicas).toBe(config.worker.replicas);
    expect(find(staging, 'ScaledObject', 'worker')).toBeUndefined();
    expect(find(production, 'Deployment', 'worker').spec.replicas).toBeUndefined();
    const scaled = find(production, 'ScaledObject', 'worker');
    expect(find(production, 'Deployment', scaled.spec.scaleTargetRef.name)).toBeDefined();
    // The queue of this namespace only, whichever replica reads its size.
    expect(scaled.spec.triggers[0].metadata.query).toContain('bull_queue_jobs{namespace="commandcenter",queue="repository-sync"');
  });

  it("hold the pack's rules as PrometheusRules, kept apart per namespace, that promtool accepts", () => {
    const rules = rendered.monitoring.filter((o) => o.kind === 'PrometheusRule');
    const pack = buildPack(config.monitoring.pack);
    expect(rules.map((r) => r.metadata.name)).toEqual(CLUSTER_RULE_FILES.map((f) => `commandcenter-${f.replace('.rules.yml', '')}`));
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-rules-'));
    rules.forEach((rule, i) => {
      expect(rule.spec.groups).toEqual(parse(pack.rules[CLUSTER_RULE_FILES[i]]).groups);
      writeFileSync(join(dir, `${i}.yml`), stringify({ groups: rule.spec.groups }));
    });
    expect(JSON.stringify(rules)).toContain('sum by (namespace) (rate(http_requests_total{job=\\"api\\",status_code=~\\"5..\\"}[5m]))');
    const out = execFileSync(requireBinary('promtool', 'prometheus'), ['check', 'rules', ...rules.map((_, i) => join(dir, `${i}.yml`))], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });

  it("hold the pack's dashboards as ConfigMaps Grafana's sidecar loads, each small enough for kubectl apply", () => {
    const maps = rendered.monitoring.filter((o) => o.kind === 'ConfigMap');
    const { dashboards } = buildPack(config.monitoring.pack);
    expect(maps.flatMap((m) => Object.keys(m.data!)).sort()).toEqual(Object.keys(dashboards).sort());
    for (const map of maps) {
      expect(map.metadata.labels?.[config.monitoring.dashboardLabel.name]).toBe(config.monitoring.dashboardLabel.value);
      for (const [file, json] of Object.entries(map.data!)) expect(json).toBe(dashboards[file]);
      // Client-side apply keeps the whole object in an annotation limited to 256 KiB.
      expect(Buffer.byteLength(JSON.stringify(map))).toBeLessThan(256 * 1024);
    }
  });

  it("configure Alloy for the pods' log files, through the compose stack's own pipeline", () => {
    const [alloy] = rendered.logging;
    const text = alloy.data!['config.alloy'];
    const compose = readFileSync(join(root, '../../monitoring/alloy/config.alloy'), 'utf8');
    const pino = compose.slice(compose.indexOf('loki.process "pino" {'), compose.indexOf('loki.write'));
    expect(text).toContain(pino.replace('loki.write.local.receiver', 'loki.write.loki.receiver').trim());
    expect(text).toContain('label = "app.kubernetes.io/part-of=commandcenter"');
    expect(text).toContain('replacement   = "/var/log/pods/*$1/*.log"');
    expect(text).toMatch(/stage\.cri \{\}/);
    expect(text).toContain(`url = "${config.monitoring.lokiUrl}"`);
    expect(text.split('{').length).toBe(text.split('}').length);
  });

  it('refuse a configuration Kubernetes would refuse or run wrongly, naming each field', () => {
    const bad: DeployConfig = {
      ...config,
      name: 'Command_Center',
      api: { ...config.api, minReplicas: 1, resources: { requests: { cpu: 'lots', memory: '256Mi' }, limits: { memory: '512Mi' } } },
      monitoring: { ...config.monitoring, pack: { ...config.monitoring.pack, aggregation: [] } },
    };
    expect(() => buildManifests(bad)).toThrow(
      [
        'Kubernetes manifests configuration:',
        '  name "Command_Center": a DNS label of up to 40 characters',
        '  api.resources cpu "lots": a quantity such as 250m or 256Mi',
        '  api.minReplicas 1: at least 2, or a disruption takes the api down',
        '  monitoring.pack.aggregation: must include namespace, or staging and production would be summed together',
      ].join('\n'),
    );
  });
});
