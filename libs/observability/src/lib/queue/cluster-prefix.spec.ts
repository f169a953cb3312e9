import { describe, expect, it } from '@jest/globals';
import { assertClusterSafePrefix, QueueConfigurationError } from './cluster-prefix.js';


describe('assertClusterSafePrefix', () => {
  it.each([
    ['{bull}', 'sync'],
    ['app:{bull}', 'sync'],
    ['bull', '{sync}'],
    [undefined, '{sync}'],
  ])('accepts prefix %s with queue %s: one hash tag for all of the queue’s keys', (keyPrefix, name) => {
    expect(() => assertClusterSafePrefix({ library: 'Bull', name, prefix: keyPrefix, isCluster: true })).not.toThrow();
  });

  it.each([
    ['bull', 'sync'],
    [undefined, 'sync'],
    ['{}bull', 'sync'],
    ['bull}{', 'sync'],
  ])('refuses prefix %s with queue %s: no hash tag, or an empty one', (keyPrefix, name) => {
    expect(() => assertClusterSafePrefix({ library: 'Bull', name, prefix: keyPrefix, isCluster: true })).toThrow(QueueConfigurationError);
  });

  it("names the library and the braces to write", () => {
    expect(() => assertClusterSafePrefix({ library: 'BullMQ', name: 'sync', isCluster: true })).toThrow(
      `queue "sync" is on a Redis Cluster connection but its keys have no hash tag (prefix "bull"): BullMQ's multi-key commands would fail with CROSSSLOT. Wrap the prefix in braces: prefix: '{bull}'`,
    );
  });

  it('leaves queues on a single Redis alone', () => {
    expect(() => assertClusterSafePrefix({ library: 'BullMQ', name: 'sync', prefix: 'bull', isCluster: false })).not.toThrow();
  });
});
