export type {
  MysqlExecutor,
  MysqlField,
  MysqlPool,
  MysqlPoolConnection,
  MysqlStatement,
  MysqlTypeCast,
  MysqlValue,
} from './mysql-driver.js';
export { mysqlHome } from './mysql-home.js';
export type { MysqlHomeOptions, MysqlPoolOptions, MysqlUrlOptions } from './mysql-options.js';
