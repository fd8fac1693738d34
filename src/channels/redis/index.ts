/**
 * `use-next-sse/redis`: a channel backplane on Redis Streams, for several server instances behind a
 * load balancer. Node only (it takes a node-redis client); nothing here loads unless imported.
 * @module
 */
export {
  createRedisBackplane,
  type RedisBackplane,
  type RedisBackplaneOptions,
  type RedisClientLike,
} from './redis-backplane'
