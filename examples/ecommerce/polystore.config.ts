// `npx polystore status --config examples/ecommerce/polystore.config.ts` inspects the demo's data dir;
// `npx polystore serve --config examples/ecommerce/polystore.config.ts` serves its HTTP API, metrics and dashboard.
import type { ApiKeyEntry } from '../../src/index.js';
import { shopGraphql } from './graphql-options.js';
import { createShop, serversFromEnv } from './shop.js';

export default () =>
  createShop({
    dataDir: process.env.POLYSTORE_DATA_DIR ?? './.polystore/demo',
    servers: serversFromEnv(),
    ...(process.env.POLYSTORE_NAMESPACE ? { namespace: process.env.POLYSTORE_NAMESPACE } : {}),
  });

/**
 * `polystore serve` options: API keys from `POLYSTORE_API_KEYS`, a JSON list of the entries
 * `polystore keys create --json` prints (none: loopback requests only), and the shop's
 * GraphQL fields at `POST /graphql`.
 */
export const serve = () => ({
  keys: process.env.POLYSTORE_API_KEYS ? (JSON.parse(process.env.POLYSTORE_API_KEYS) as ApiKeyEntry[]) : [],
  graphql: shopGraphql,
});
