import { homeFromUrl } from '../../src/cli/home-url.js';
import type { MoveOutcome } from '../../src/index.js';
import { productId, type SeedSize, userId } from './seed-data.js';
import type { Shop } from './shop.js';

export interface DemoMove extends MoveOutcome {
  /** Writes the demo made while the home moved (prices and user names), and after it. */
  readonly writesDuring: number;
  readonly writesAfter: number;
}

/**
 * `--move-home-to URL`: moves the shop's home (the embedded PGlite, or
 * whatever it is) to the home the URL names (a PostgreSQL schema named after
 * the demo's namespace), while the shop keeps writing: product prices and
 * user names change one after another throughout the move and for a moment
 * after it. Every view keeps going from its checkpoint in the new home; the
 * demo's consistency check then runs against the new home.
 */
export async function moveShopHome(db: Shop, url: string, namespace: string, size: SeedSize): Promise<DemoMove> {
  let writes = 0;
  let moving = true;
  let stop = false;
  let during = 0;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      // The first half of the catalog: the seed discontinues products from the tail.
      const product = productId(i % Math.floor(size.products / 2));
      if (i % 2 === 0) await db.entity('products').update(product, { price: 10 + (i % 500) });
      else await db.entity('users').update(userId(i % size.users), { name: `Moved user ${i}` });
      writes++;
      if (moving) during = writes;
    }
  })();
  try {
    const outcome = await db.moveHome(homeFromUrl(url, namespace));
    moving = false;
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { ...outcome, writesDuring: during, writesAfter: writes - during };
  } finally {
    stop = true;
    await writer;
  }
}
