export type LabelValue = string | number;

/** Label sets kept per tree at most: past it, the rest take prom-client's path (a cardinality leak stays its own). */
export const MAX_BOUND = 10_000;

/**
 * A label set's leaf found by its values in a tree of Maps, one level per label: no hash string built per
 * observation. Leaves are made by `make` on first sight, at most MAX_BOUND of them (then nothing is added).
 */
export class LabelTree<L> {
  private readonly root = new Map<LabelValue, unknown>();
  private size = 0;

  constructor(
    private readonly depth: number,
    private readonly make: (a: LabelValue, b?: LabelValue, c?: LabelValue) => L,
  ) {
    if (depth < 1 || depth > 3) throw new Error('bound series take one to three labels');
  }

  /** The leaf of these values, in label order; undefined past MAX_BOUND. */
  find(a: LabelValue, b?: LabelValue, c?: LabelValue): L | undefined {
    const depth = this.depth;
    const room = this.size < MAX_BOUND;
    let map: Map<LabelValue, unknown> | undefined = this.root;
    if (depth > 1) map = childMap(map, a, room);
    if (depth > 2 && map) map = childMap(map, b as LabelValue, room);
    if (!map) return undefined;
    const last = depth === 1 ? a : depth === 2 ? b : c;
    let found = map.get(last as LabelValue) as L | undefined;
    if (found === undefined && room) {
      found = this.make(a, b, c);
      map.set(last as LabelValue, found);
      this.size++;
    }
    return found;
  }
}

/** The level below `key`, made when missing if there is `room`. */
function childMap(map: Map<LabelValue, unknown>, key: LabelValue, room: boolean): Map<LabelValue, unknown> | undefined {
  let child = map.get(key) as Map<LabelValue, unknown> | undefined;
  if (child === undefined && room) {
    child = new Map();
    map.set(key, child);
  }
  return child;
}
