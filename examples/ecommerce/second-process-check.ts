import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { productId } from './seed-data.js';
import type { Shop, ShopServers } from './shop.js';
import { readsJson, shopReads } from './shop-reads.js';

const run = promisify(execFile);
const SECOND = new URL('./second-process.ts', import.meta.url).pathname;

/** What the second process answered, against this process's answers. */
export interface SecondProcessCheck {
  /** Reads compared (a search, two recommendations, three reports, a record read back). */
  readonly compared: number;
  readonly equal: number;
  /** Names of the reads whose answers differ (none when the views agree). */
  readonly different: readonly string[];
  /** The price the second process read back for the updated product, with read-your-writes. */
  readonly price: number | null;
  readonly ms: number;
}

/**
 * On servers (a PostgreSQL or MariaDB home, Redis and NATS), starts the demo's
 * second process and compares its answers with this process's own; null when
 * the shop runs on embedded stores (nothing another process could share).
 */
export async function compareSecondProcess(
  db: Shop,
  servers: ShopServers,
  dataDir: string,
  namespace: string,
): Promise<SecondProcessCheck | null> {
  if (!servers.nats || !servers.redis || !(servers.postgres || servers.mysql)) return null;
  const mine = await shopReads(db);
  const price = (await db.entity('products').get(productId(0)))?.price ?? null;
  const after = db.lastWrite;
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      SECOND,
      '--namespace',
      namespace,
      '--data-dir',
      join(dataDir, 'second'),
      ...(after ? ['--after', after] : []),
    ],
    { env: process.env, maxBuffer: 16 * 1024 * 1024 },
  );
  const theirs = JSON.parse(stdout) as { reads: Record<string, unknown>; price: number | null; ms: number };
  const names = Object.keys(mine) as (keyof typeof mine)[];
  const different: string[] = names.filter((name) => readsJson(mine[name]) !== JSON.stringify(theirs.reads[name]));
  if (theirs.price !== price) different.push('price read back');
  return {
    compared: names.length + 1,
    equal: names.length + 1 - different.length,
    different,
    price: theirs.price,
    ms: theirs.ms,
  };
}
