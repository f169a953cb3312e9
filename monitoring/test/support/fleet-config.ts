import type { PackConfig } from '../../pack/config.ts';

/** Two api services and a worker, kept apart by cluster and namespace: what a team with a fleet generates. */
export const FLEET: PackConfig = {
  services: [
    { name: 'checkout', kind: 'api', selector: 'namespace="shop",job="checkout"', slo: { availability: 0.995, latency: { objective: 0.95, thresholdSeconds: 0.5 } } },
    { name: 'catalog', kind: 'api', selector: 'namespace="shop",job="catalog"' },
    { name: 'mailer', kind: 'worker', selector: 'namespace="shop",job="mailer"' },
  ],
  aggregation: ['cluster', 'namespace'],
  runbookBaseUrl: 'https://runbooks.example.com/',
};
