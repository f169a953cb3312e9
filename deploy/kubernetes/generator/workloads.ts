import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { DeployConfig, Resources } from './config.ts';

export type App = 'api' | 'worker';

/** The labels a Service, a PodDisruptionBudget and a ServiceMonitor select the app's pods by (never changed: selectors are immutable). */
export const selectorLabels = (config: DeployConfig, app: App) => ({ 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': config.name });

export const labels = (config: DeployConfig, app: App) => ({ ...selectorLabels(config, app), 'app.kubernetes.io/version': config.version });

/** Every value from the team's Secret, by the environment variable's name. */
export const fromSecret = (config: DeployConfig, ...keys: string[]) => keys.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: config.secretName, key } } }));

/**
 * The pod every workload of the apps runs in: not root (the image's `node` user, uid 1000), a read-only root
 * filesystem with /tmp as the one writable place, no privilege escalation, no capabilities, no service account token.
 */
export function podSpec(container: IContainer, extra: Partial<IPodSpec> = {}): IPodSpec {
  return {
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        ...container,
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
    ],
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
    ...extra,
  };
}

function appContainer(config: DeployConfig, app: App, port: number, resources: Resources): IContainer {
  return {
    name: app,
    image: `${config.images[app]}:${config.version}`,
    ports: [{ name: 'http', containerPort: port }],
    env: [{ name: 'PORT', value: String(port) }, { name: 'QUEUE_LIBRARY', value: config.queueLibrary }, { name: 'NODE_ENV', value: 'production' }, ...fromSecret(config, 'DATABASE_URL', 'REDIS_URL')],
    resources,
    // Liveness asks only whether the process answers; readiness whether PostgreSQL and Redis do too, so a replica
    // cut off from them leaves the Service without being restarted in a loop.
    startupProbe: { httpGet: { path: '/health/live', port: 'http' }, periodSeconds: 2, failureThreshold: 30 },
    livenessProbe: { httpGet: { path: '/health/live', port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
  };
}

function deployment(config: DeployConfig, app: App, replicas: number | undefined, container: IContainer, extra: Partial<IPodSpec>) {
  return new Deployment({
    metadata: { name: app, labels: labels(config, app) },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: selectorLabels(config, app) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labels(config, app) },
        spec: podSpec(container, {
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selectorLabels(config, app) } }],
          ...extra,
        }),
      },
    },
  });
}

function service(config: DeployConfig, app: App, port: number) {
  return new Service({
    metadata: { name: app, labels: labels(config, app) },
    spec: { selector: selectorLabels(config, app), ports: [{ name: 'http', port, targetPort: 'http' }] },
  });
}

/** The image has no shell and no `sleep`: node waits (tools/images/test runs every command of the manifests in the image). */
const PRE_STOP_WAIT = ['node', '-e', 'setTimeout(() => {}, 5000)'];

const disruptionBudget = (config: DeployConfig, app: App) =>
  new PodDisruptionBudget({ metadata: { name: app, labels: labels(config, app) }, spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(config, app) } } });

/** The api: replicas set by its autoscaler (so the Deployment names none), a pause before SIGTERM while endpoints update. */
export function apiWorkload(config: DeployConfig) {
  const { api } = config;
  const container = { ...appContainer(config, 'api', api.port, api.resources), lifecycle: { preStop: { exec: { command: PRE_STOP_WAIT } } } };
  return [
    deployment(config, 'api', undefined, container, { terminationGracePeriodSeconds: 30 }),
    service(config, 'api', api.port),
    new HorizontalPodAutoscaler({
      metadata: { name: 'api', labels: labels(config, 'api') },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        minReplicas: api.minReplicas,
        maxReplicas: api.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: api.cpuUtilization } } }],
      },
    }),
    disruptionBudget(config, 'api'),
  ];
}

/** The worker: SIGTERM drains its jobs within the grace period; its Service exists for the ServiceMonitor only. */
export function workerWorkload(config: DeployConfig) {
  const { worker } = config;
  const container = appContainer(config, 'worker', worker.port, worker.resources);
  return [
    deployment(config, 'worker', worker.replicas, container, { terminationGracePeriodSeconds: worker.terminationGracePeriodSeconds }),
    service(config, 'worker', worker.port),
    disruptionBudget(config, 'worker'),
  ];
}
