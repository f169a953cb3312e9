/** A queue on a Redis Cluster connection whose keys would not share one hash slot. */
export class QueueConfigurationError extends Error {
  override readonly name = 'QueueConfigurationError';
}

/** Where a queue's keys go: `<prefix>:<name>:<type>`, on a plain connection or a cluster. */
export interface QueueKeyLayout {
  library: 'Bull' | 'BullMQ';
  name: string;
  /** The key prefix (option `prefix`; both libraries default to "bull"). */
  prefix?: string;
  isCluster: boolean;
}

/** Redis takes a key's hash tag from its first `{`, up to the next `}`, when what is between is not empty. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/**
 * Both libraries' scripts touch several keys of a queue at once (`<prefix>:<name>:wait`, `…:active`, …); a Redis
 * Cluster runs them only when all hash to one slot, which takes a hash tag before the parts that differ. Without
 * one the first `add()` fails with CROSSSLOT; this makes it a start-up error that says what to change.
 */
export function assertClusterSafePrefix(queue: QueueKeyLayout): void {
  if (!queue.isCluster) return;
  const prefix = queue.prefix ?? 'bull';
  if (hashTag(`${prefix}:${queue.name}:`) !== undefined) return;
  throw new QueueConfigurationError(
    `queue "${queue.name}" is on a Redis Cluster connection but its keys have no hash tag (prefix "${prefix}"): ` +
      `${queue.library}'s multi-key commands would fail with CROSSSLOT. Wrap the prefix in braces: prefix: '{${prefix}}'`,
  );
}
