export interface StartedService {
  url: string;
  port: number;
  stop(): void;
}
export interface StartedPostgres extends StartedService {
  logFile: string;
  /** Stops the server, keeping its data: an outage. */
  halt(): void;
  /** Starts a halted server again on the same port. */
  restart(): void;
}
export const SCRAM_ONLY_GROUP: string;
export function freePort(): Promise<number>;
export function startPostgres(options?: { port?: number; dir?: string; logStatements?: boolean; cpus?: string }): Promise<StartedPostgres>;
export interface StartedRedis extends StartedService {
  pause(): void;
  resume(): void;
}
/** `databases`: how many Redis databases (redis-server's default, 16, without it). */
export function startRedis(options?: { port?: number; databases?: number }): Promise<StartedRedis>;
export interface StartedRedisCluster {
  nodes: Array<{ host: string; port: number }>;
  stop(): void;
}
export function startRedisCluster(options?: { masters?: number }): Promise<StartedRedisCluster>;
export interface StartedRedisSentinel {
  sentinels: Array<{ host: string; port: number }>;
  /** The monitored master's name. */
  name: string;
  masterPort: number;
  stop(): void;
}
export function startRedisSentinel(options?: { name?: string }): Promise<StartedRedisSentinel>;
