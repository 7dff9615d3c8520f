export type { PostgresSearchOptions } from './postgres-search.js';
export { postgresSearchStore } from './postgres-search.js';
