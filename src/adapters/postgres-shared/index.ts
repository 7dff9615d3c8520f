export { compileFilter, compileOrderBy, SqlParams } from './compile-filter.js';
export { type EntityTable, EntityTables } from './entity-table.js';
export type { PgConnection, PgConnectionGuard, PgExecutor } from './pg-executor.js';
export { type StatementContext, toStoreError } from './pg-query.js';
export { type PostgresHomeOptions, PostgresHomeStore } from './postgres-home-store.js';
