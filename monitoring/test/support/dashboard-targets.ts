interface Target {
  expr?: string;
  datasource?: { type?: string };
}
export interface Panel {
  id?: number;
  title?: string;
  targets?: Target[];
  panels?: Panel[];
}

/** A query with Grafana's variables filled as Grafana fills them: drill-downs at All (`.*`), a 1-minute rate interval, a 5-minute range. */
export function fillVariables(expr: string): string {
  return ['$namespace', '$job', '$instance'].reduce((e, v) => e.replaceAll(v, '.*'), expr).replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m');
}

/** Every query of a dashboard with its panel's title and datasource type. */
export function targetsOf(dashboard: { panels?: Panel[] }): Array<{ panel: string; type: string; expr: string }> {
  const all: Array<{ panel: string; type: string; expr: string }> = [];
  const walk = (panels: Panel[] = []) => {
    for (const panel of panels) {
      for (const t of panel.targets ?? []) if (t.expr) all.push({ panel: panel.title ?? '', type: t.datasource?.type ?? '', expr: t.expr });
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  return all;
}

