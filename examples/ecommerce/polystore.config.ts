// `npx polystore status --config examples/ecommerce/polystore.config.ts` inspects the demo's data dir.
import { createShop, serversFromEnv } from './shop.js';

export default () =>
  createShop({ dataDir: process.env.POLYSTORE_DATA_DIR ?? './.polystore/demo', servers: serversFromEnv() });
