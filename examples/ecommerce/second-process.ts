/**
 * A second process of the demo on servers, as a web tier beside it would run:
 * no projectors and no relay. Its search is the PostgreSQL search store's;
 * its graph and analytics queries travel over NATS to the replicas the demo
 * process keeps. It reads with read-your-writes on the demo's newest write
 * token, so it must see everything the demo wrote, and prints its answers
 * as one JSON line.
 *
 *   node --import tsx examples/ecommerce/second-process.ts --namespace NS --after TOKEN
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../../src/index.js';
import { productId } from './seed-data.js';
import { createShop, SHOP_NAMESPACE, serversFromEnv } from './shop.js';
import { readsJson, shopReads } from './shop-reads.js';

const { values } = parseArgs({
  options: {
    namespace: { type: 'string', default: SHOP_NAMESPACE },
    after: { type: 'string' },
    'data-dir': { type: 'string', default: './.polystore/demo-second' },
  },
});
const db = createShop({
  dataDir: resolve(values['data-dir']),
  servers: serversFromEnv(),
  namespace: values.namespace,
  sync: { relay: false, projectors: false },
  logger: silentLogger,
});
await db.ready();
try {
  const started = performance.now();
  const options = values.after ? { consistency: 'read-your-writes' as const, after: values.after } : undefined;
  const reads = await shopReads(db, options);
  const product = await db.entity('products').get(productId(0), options);
  process.stdout.write(
    `${readsJson({ reads, price: product?.price ?? null, replicas: db.replicas, ms: Math.round(performance.now() - started) })}\n`,
  );
} finally {
  await db.close();
}
