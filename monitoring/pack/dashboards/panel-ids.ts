interface PanelLike {
  id?: number;
  title?: string;
  panels?: PanelLike[];
}

/** FNV-1a of the title, kept below 2^31: the same panel keeps its id however the panels around it change. */
function idOf(title: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < title.length; i++) hash = Math.imul(hash ^ title.charCodeAt(i), 0x01000193);
  return ((hash >>> 0) % 2_000_000_000) + 1;
}

/**
 * Gives every panel (rows included) an id derived from its title, so links to a panel (`viewPanel=`) and alerts
 * bound to it survive regeneration; two panels of one dashboard with the same title are refused.
 */
export function withStablePanelIds<D extends { uid?: string; panels?: PanelLike[] }>(dashboard: D): D {
  const seen = new Map<number, string>();
  const walk = (panels: PanelLike[] = []) => {
    for (const panel of panels) {
      const id = idOf(panel.title ?? '');
      if (seen.has(id)) throw new Error(`dashboard ${dashboard.uid}: two panels titled (or hashed as) "${panel.title}"`);
      seen.set(id, panel.title ?? '');
      panel.id = id;
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  return dashboard;
}
