export { redisStore } from './redis-key-value-store.js';
export type { RedisLike, RedisPipelineLike, RedisStoreOptions, RedisTlsOption } from './redis-options.js';
