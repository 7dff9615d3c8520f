export { type LmdbStoreOptions, lmdbStore } from './lmdb-key-value-store.js';
