export { type DuckDBStoreOptions, duckdbStore } from './duckdb-analytics-store.js';
