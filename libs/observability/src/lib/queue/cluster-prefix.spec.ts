import { describe, expect, it } from '@jest/globals';
import { assertClusterSafePrefix, QueueConfigurationError } from './cluster-prefix.js';

const onCluster = { isCluster: true };

describe('assertClusterSafePrefix', () => {
  it.each([
    ['{bull}', 'sync'],
    ['app:{bull}', 'sync'],
    ['bull', '{sync}'],
    [undefined, '{sync}'],
  ])('accepts prefix %s with queue %s: one hash tag for all of the queue’s keys', (keyPrefix, name) => {
    expect(() => assertClusterSafePrefix({ name, keyPrefix, client: onCluster })).not.toThrow();
  });

  it.each([
    ['bull', 'sync'],
    [undefined, 'sync'],
    ['{}bull', 'sync'],
    ['bull}{', 'sync'],
  ])('refuses prefix %s with queue %s: no hash tag, or an empty one', (keyPrefix, name) => {
    expect(() => assertClusterSafePrefix({ name, keyPrefix, client: onCluster })).toThrow(QueueConfigurationError);
  });

  it('leaves queues on a single Redis alone', () => {
    expect(() => assertClusterSafePrefix({ name: 'sync', keyPrefix: 'bull', client: {} })).not.toThrow();
    expect(() => assertClusterSafePrefix({ name: 'sync' })).not.toThrow();
  });
});
