/** The part of an ioredis client (or cluster) the lease uses. */
interface EvalClient {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

interface LeasedQueue {
  toKey(type: string): string;
  /** Bull: the command connection. */
  client?: unknown;
  /** BullMQ 6: the backend, whose `client` is a promise of the command connection. */
  getBackend?(): { client?: unknown };
}

/** The queue's own command connection, for either library. */
function redisOf(queue: LeasedQueue): Promise<EvalClient> {
  return Promise.resolve((queue.getBackend ? queue.getBackend().client : queue.client) as EvalClient);
}

/** Take the lease when nobody holds it, renew it when we do: one round trip, atomic. */
const TAKE_OR_RENEW = `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** The lease key lives beside the queue's own keys (same prefix, same hash tag, same ACL). */
export const LEASE_KEY_TYPE = 'observability:size-reader';

/**
 * Which replica reads a queue's sizes: whoever holds the queue's lease key, taken at a scrape when free and renewed
 * at each of its scrapes. A reader that dies stops renewing and another replica takes over once the lease runs out;
 * one that shuts down gives it back at once.
 */
export class SizeReaderLease {
  /** The queues whose lease the last scrape took or renewed: the ones to give back at shutdown. */
  private holding: LeasedQueue[] = [];

  constructor(
    private readonly holder: string,
    private readonly leaseMs: number,
  ) {}

  /** The queues whose lease this process holds (took or renewed) now; a queue whose Redis does not answer is left out. */
  async held<Q extends LeasedQueue>(queues: Q[], timed: <T>(p: Promise<T>) => Promise<T>): Promise<Q[]> {
    const answers = await Promise.all(
      queues.map(async (queue) => {
        try {
          const client = await timed(redisOf(queue));
          return Number(await timed(client.eval(TAKE_OR_RENEW, 1, queue.toKey(LEASE_KEY_TYPE), this.holder, this.leaseMs))) === 1;
        } catch {
          return false;
        }
      }),
    );
    const held = queues.filter((_, i) => answers[i]);
    this.holding = held;
    return held;
  }

  /** Gives back what this process holds (nothing when it never read: no connection is made for it). */
  async release(timed: <T>(p: Promise<T>) => Promise<T>): Promise<void> {
    const queues = this.holding;
    this.holding = [];
    await Promise.all(
      queues.map(async (queue) => {
        try {
          const client = await timed(redisOf(queue));
          await timed(client.eval(RELEASE, 1, queue.toKey(LEASE_KEY_TYPE), this.holder));
        } catch {
          // Redis gone or the queue closed first: the lease runs out by itself.
        }
      }),
    );
  }
}
