export { memcachedStore } from './memcached-key-value-store.js';
export type { MemcachedStoreOptions } from './memcached-options.js';
