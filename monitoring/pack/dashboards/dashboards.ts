import { validateConfig, type PackConfig } from '../config.ts';
import { databasePerformance } from './database.ts';
import { errorTracking } from './error-tracking.ts';
import { goldenSignals } from './golden-signals.ts';
import { DashboardContext } from './layout.ts';
import { withStablePanelIds } from './panel-ids.ts';
import { queueDeepDive } from './queue.ts';
import { slo } from './slo.ts';

/** Every dashboard of the pack for `config`, by file name, as Grafana's file provider loads them. */
export function buildDashboards(config: PackConfig): Record<string, unknown> {
  const ctx = new DashboardContext(validateConfig(config));
  const builders = [errorTracking(ctx), databasePerformance(ctx), queueDeepDive(ctx)];
  // The api dashboards need an api service; the queue one is useful to any service that enqueues.
  if (ctx.apis.length) builders.push(goldenSignals(ctx), slo(ctx));
  return Object.fromEntries(
    builders.map((builder) => {
      const built = withStablePanelIds(builder.build());
      return [`${built.uid}.json`, built];
    }),
  );
}
