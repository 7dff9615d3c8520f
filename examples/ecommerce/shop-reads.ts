import type { ReadOptions } from '../../src/index.js';
import {
  BOUGHT_TOGETHER,
  CATEGORY_RECOMMENDATIONS,
  PRODUCT_SEARCH,
  REVENUE_BY_CATEGORY,
  REVENUE_BY_DAY,
  SHIPMENTS_BY_CARRIER,
} from './queries.js';
import { productId, userId } from './seed-data.js';
import type { Shop } from './shop.js';

/**
 * The demo's reads of its views: a search, two graph recommendations and
 * three analytics reports, as plain data. The demo runs them in its own
 * process and in a second one (second-process.ts), which must answer the same.
 */
export async function shopReads(db: Shop, options?: ReadOptions) {
  const anchor = productId(0);
  const search = await db.entity('products').search(PRODUCT_SEARCH, options);
  const graph = db.graph('graph');
  const analytics = db.analytics('analytics');
  return {
    search: {
      total: search.total,
      hits: search.hits.map((h) => ({ id: h.record.id, price: h.record.price, score: h.score })),
      facets: search.facets,
    },
    boughtTogether: await graph.query(BOUGHT_TOGETHER, { productId: anchor, limit: 5 }, options),
    forUser: await graph.query(CATEGORY_RECOMMENDATIONS, { userId: userId(0), limit: 5 }, options),
    revenueByCategory: await analytics.query(REVENUE_BY_CATEGORY, [], options),
    revenueByDay: await analytics.query(REVENUE_BY_DAY, [5], options),
    shipmentsByCarrier: await analytics.query(SHIPMENTS_BY_CARRIER, [], options),
  };
}

export type ShopReads = Awaited<ReturnType<typeof shopReads>>;

/** JSON with bigints as tagged strings, so two processes' answers compare value for value. */
export function readsJson(reads: unknown): string {
  return JSON.stringify(reads, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}
