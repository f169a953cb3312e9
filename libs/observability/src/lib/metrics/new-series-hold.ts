/** Longest hold, whatever timeout a scraper announces. */
const MAX_HOLD_MS = 30_000;

/**
 * First occurrences made visible to `rate()` and `increase()`: they need two samples of a series, so a counter or
 * histogram series that first appears already at its value (the first error of a kind, the first 5xx of a route)
 * is never counted. A series new to the scrapers is shown to them at zero for its first `hold` milliseconds, then
 * as it is: its first increments land between two samples, as if the series had existed at zero (docs/architecture.md).
 *
 * Only scrapers that store series are held, recognised by the header Prometheus sends with every scrape
 * (`X-Prometheus-Scrape-Timeout-Seconds`; other scrapers are held when they send it too); a person or a test reading
 * the endpoint sees the counts as they are. The hold is half
 * the announced timeout, which is at most the scrape interval: one scraper sees the zero once and the value at its
 * next scrape; replicas of a scraper whose scrapes fall within the hold of each other all see it.
 */
export class NewSeriesHold {
  /** Per series shown: when a held scrape first showed it, and the last held scrape that did. */
  private readonly shown = new Map<string, { first: number; seen: number }>();
  private scrapes = 0;

  /** The hold for a scrape announcing this timeout (seconds, as the header gives it); 0 when there is none. */
  static holdMs(timeoutHeader: string | string[] | undefined): number {
    const seconds = Number(Array.isArray(timeoutHeader) ? timeoutHeader[0] : timeoutHeader);
    return Number.isFinite(seconds) && seconds > 0 ? Math.min((seconds * 1000) / 2, MAX_HOLD_MS) : 0;
  }

  /**
   * One held scrape at `now`: `held(key)` says whether this series (metric name and labels) is still to be shown at
   * zero. Only held scrapes count as showing a series: a person's read before Prometheus's first scrape does not use
   * the hold up. `done()` after the scrape rendered in full forgets the series it did not show: the app removed them,
   * so the map does not keep them, and one that comes back is new to the scrapers again (they marked it stale).
   */
  forScrape(now: number, holdMs: number): HeldScrape {
    const scrape = ++this.scrapes;
    // Series this scrape marked: when it marked them all, none was removed and done() has nothing to walk.
    let marked = 0;
    return {
      held: (key) => {
        const entry = this.shown.get(key);
        if (entry === undefined) {
          this.shown.set(key, { first: now, seen: scrape });
          marked++;
          return true;
        }
        // Scrapes may overlap (collectors are async): an earlier one finishing late must not undo a later one's mark.
        if (entry.seen < scrape) {
          entry.seen = scrape;
          marked++;
        }
        return now - entry.first < holdMs;
      },
      done: () => {
        if (marked === this.shown.size) return;
        for (const [key, entry] of this.shown) if (entry.seen < scrape) this.shown.delete(key);
      },
    };
  }
}

export interface HeldScrape {
  held(key: string): boolean;
  /** Called once the scrape has rendered every series; not after a failed one (it saw only some). */
  done(): void;
}
