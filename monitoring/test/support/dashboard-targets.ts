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

