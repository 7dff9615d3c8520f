export type { PgPoolClientLike, PgPoolLike, PgQueryResultLike } from './pg-pool-connection.js';
export { postgresHome } from './postgres-home.js';
export type { PostgresHomeOptions, PostgresPoolOptions, PostgresUrlOptions } from './postgres-options.js';
