/** Servers the suites can use, chosen by the same env vars as the product, defaulting to localhost. */
export const SERVER_URLS = {
  postgres: process.env.POLYSTORE_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test',
  mysql: process.env.POLYSTORE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  redis: process.env.POLYSTORE_REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.POLYSTORE_NATS_URL ?? 'nats://127.0.0.1:4222',
} as const;
