import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { DeployConfig } from './config.ts';
import { labels } from './workloads.ts';

/**
 * The optional KEDA component: the worker scales on the queue's waiting jobs as the module reports them
 * (bull_queue_jobs, Bull and BullMQ alike; one replica reads them, hence max), in the overlay's namespace only.
 * KEDA then owns the replica count: the overlay removes the Deployment's own.
 */
export function workerScaledObject(config: DeployConfig, namespace: string) {
  const { keda } = config.worker;
  return new ScaledObject({
    metadata: { name: 'worker', labels: labels(config, 'worker') },
    spec: {
      scaleTargetRef: { name: 'worker' },
      minReplicaCount: keda.minReplicas,
      maxReplicaCount: keda.maxReplicas,
      // Scale-in waits for the backlog to stay low: the worker's graceful drain makes scale-in safe, not free.
      cooldownPeriod: 300,
      triggers: [
        {
          type: 'prometheus',
          metadata: {
            serverAddress: keda.prometheusUrl,
            query: `max(sum without (state) (bull_queue_jobs{namespace="${namespace}",queue="${keda.queue}",state=~"waiting|prioritized"})) or vector(0)`,
            threshold: String(keda.waitingPerReplica),
          },
        },
      ],
    },
  });
}
