/**
 * A replay store in Redis, shared by every instance that serves one resource: a proof accepted by
 * one instance is refused as a replay by all. One command per accepted proof, `SET key 1 NX PX
 * ttl`. Works with node-redis (`redis`) and `ioredis` clients, whichever the application already
 * has; this package depends on neither.
 */
import type { ReplayStore } from '../config/types.js';
import { DEFAULTS } from '../core/defaults.js';
import { MCPAuthAuthServerError } from '../core/errors.js';

/** The part of a Redis client used here: node-redis's `sendCommand`, or ioredis's `call`. */
export type RedisClientLike =
  | { call(command: string, ...args: string[]): Promise<unknown> }
  | { sendCommand(args: string[]): Promise<unknown> };

export interface RedisReplayStoreOptions {
  /** Prepended to every key. Default `mcp-bearer-auth:dpop:`. */
  prefix?: string;
  /**
   * Milliseconds to wait for Redis before answering 503. Default 500. Redis clients queue
   * commands while disconnected; without a bound, requests would hang until it came back.
   */
  timeoutMs?: number;
}

/**
 * @example
 * import { createClient } from 'redis';
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const mcpAuth = new MCPAuth({ protectedResources, dpop: { replayStore: redisReplayStore(redis) } });
 */
export function redisReplayStore(client: RedisClientLike, options: RedisReplayStoreOptions = {}): ReplayStore {
  if (typeof client !== 'object' || client === null || (!('call' in client) && !('sendCommand' in client))) {
    throw new TypeError('redisReplayStore: expected a node-redis or ioredis client');
  }
  const prefix = options.prefix ?? 'mcp-bearer-auth:dpop:';
  const timeoutMs = options.timeoutMs ?? DEFAULTS.redisReplayStoreTimeoutMs;
  const set = (key: string, ttlMs: number): Promise<unknown> => {
    const args = [`${prefix}${key}`, '1', 'PX', String(Math.max(1, Math.ceil(ttlMs))), 'NX'];
    // ioredis has both `call` and a `sendCommand` of another shape: `call` first.
    return 'call' in client && typeof client.call === 'function'
      ? client.call('SET', ...args)
      : (client as { sendCommand(args: string[]): Promise<unknown> }).sendCommand(['SET', ...args]);
  };
  return {
    async markUsed(key, ttlMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const reply = await Promise.race([set(key, ttlMs), timeout]);
        return reply === 'OK';
      } catch (cause) {
        throw new MCPAuthAuthServerError(
          'replay_store_unavailable',
          `The DPoP replay store (Redis) could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause, retryAfter: 1 },
        );
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
