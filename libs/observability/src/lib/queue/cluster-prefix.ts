/** A queue on a Redis Cluster connection whose keys would not share one hash slot. */
export class QueueConfigurationError extends Error {
  override readonly name = 'QueueConfigurationError';
}

interface QueueKeysLike {
  name: string;
  /** Bull's key prefix (option `prefix`, default "bull"). */
  keyPrefix?: string;
  client?: { isCluster?: boolean };
}

/** Redis takes a key's hash tag from its first `{`, up to the next `}`, when what is between is not empty. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/**
 * Bull's scripts touch several keys of a queue at once (`<prefix>:<name>:wait`, `…:active`, …); a Redis Cluster
 * runs them only when all hash to one slot, which takes a hash tag before the parts that differ. Without one the
 * first `add()` fails with CROSSSLOT; this makes it a start-up error that says what to change.
 */
export function assertClusterSafePrefix(queue: QueueKeysLike): void {
  if (!queue.client?.isCluster) return;
  const prefix = queue.keyPrefix ?? 'bull';
  if (hashTag(`${prefix}:${queue.name}:`) !== undefined) return;
  throw new QueueConfigurationError(
    `queue "${queue.name}" is on a Redis Cluster connection but its keys have no hash tag (prefix "${prefix}"): ` +
      `Bull's multi-key commands would fail with CROSSSLOT. Wrap the prefix in braces: prefix: '{${prefix}}'`,
  );
}
