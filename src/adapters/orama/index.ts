export { type OramaStoreOptions, oramaStore } from './orama-search-store.js';
