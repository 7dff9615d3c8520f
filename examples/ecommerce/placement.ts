import { type PlacementAdvice, placementAdvice, placementModelOf } from '../../src/index.js';
import { userId } from './seed-data.js';
import type { Shop } from './shop.js';

/**
 * A little storefront traffic after the orders, then the placement advice
 * the router's own statistics give for the whole run: customers tracking
 * their parcels (gets of shipments, which have no cache view), support
 * looking customers up by name (finds of users on a text field, which have
 * no search view), and a finance widget counting refunds (the same count of
 * payments again and again, which have no analytics view).
 */
export async function adviseFromTraffic(db: Shop, users: number): Promise<PlacementAdvice[]> {
  const shipped = (await db.entity('shipments').find({}, { limit: 20 })).map((s) => s.id);
  for (let i = 0; i < 300 && shipped.length > 0; i++) await db.entity('shipments').get(shipped[i % shipped.length]!);
  for (let i = 0; i < 60; i++) {
    const user = await db.entity('users').get(userId((i * 7) % users));
    if (user) await db.entity('users').find({ name: user.name }, { limit: 5 });
  }
  for (let i = 0; i < 30; i++) await db.entity('payments').count({ status: 'refunded' });
  return placementAdvice(db.access(), placementModelOf(db));
}
