export { type KuzuStoreOptions, kuzuStore } from './kuzu-graph-store.js';
