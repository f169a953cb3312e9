import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { DEFAULT_SLO, type ServiceConfig } from '../config.ts';
import { duration, percent } from '../format.ts';
import { type DashboardContext, series } from './layout.ts';
import { PROMETHEUS, prom } from './queries.ts';

/** Each api service's objectives, budgets left and burn rates, from the pack's SLO recording rules. */
export function slo(ctx: DashboardContext) {
  const objectives = ctx.apis.map((s) => {
    const { availability, latency } = { ...DEFAULT_SLO, ...s.slo };
    return `${s.name}: availability ${percent(availability)}, latency ${percent(latency.objective)} within ${duration(latency.thresholdSeconds)}`;
  });
  let board = ctx.dashboard('slo', 'SLO', `Objectives over 30 days (${objectives.join('; ')}).`);
  // One service keeps the plain titles (and so its panel ids); several are told apart by name.
  for (const s of ctx.apis) board = serviceRows(board, s, ctx.apis.length === 1 ? '' : `${s.name}: `);
  return board;
}

function serviceRows(board: ReturnType<DashboardContext['dashboard']>, s: ServiceConfig, name: string) {
  const availability = `slo="${s.name}-availability"`;
  const latency = `slo="${s.name}-latency"`;
  const stat = (title: string, expr: string) =>
    new StatPanel().title(`${name}${title}`).datasource(PROMETHEUS).unit('percentunit').withTarget(prom(expr, title, { instant: true })).height(5).span(6);
  const left = (slo: string) => `1 - slo:sli_error:ratio_rate30d{${slo}} / on (slo) slo:error_budget:ratio{${slo}}`;
  const burn = (slo: string) => ['5m', '1h', '6h'].map((w) => prom(`slo:sli_error:ratio_rate${w}{${slo}} / on (slo) slo:error_budget:ratio`, w));
  return board
    .withRow(new RowBuilder(`${name}Objectives`))
    .withPanel(stat('Availability, 30 days', `1 - slo:sli_error:ratio_rate30d{${availability}}`))
    .withPanel(stat('Availability budget left', left(availability)))
    .withPanel(stat('Latency SLI, 30 days', `1 - slo:sli_error:ratio_rate30d{${latency}}`))
    .withPanel(stat('Latency budget left', left(latency)))
    .withRow(new RowBuilder(`${name}Burn rates`))
    .withPanel(series(`${name}Availability burn rate (1 = budget spent exactly in 30 days)`, 'short', ...burn(availability)))
    .withPanel(series(`${name}Latency burn rate`, 'short', ...burn(latency)))
    .withPanel(
      series(
        `${name}SLIs (error ratios)`,
        'percentunit',
        prom(`slo:sli_error:ratio_rate1h{service="${s.name}"}`, '{{slo}} 1h'),
        prom(`slo:sli_error:ratio_rate3d{service="${s.name}"}`, '{{slo}} 3d'),
      ),
    );
}
