import type { Shop } from './shop.js';

/** How one view kept up with the load. */
export interface ViewCatchUp {
  readonly view: string;
  /** Events the view handled (applied and skipped). */
  readonly events: number;
  /** From the last write until the view had handled it, ms. */
  readonly catchUpMs: number;
  /** Events handled per second from the first write until the view had caught up. */
  readonly eventsPerSec: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
}

export interface CatchUp {
  /** From the last write until every view had handled it, ms. */
  readonly catchUpMs: number;
  readonly views: readonly ViewCatchUp[];
}

/**
 * Waits until every view has handled every write made so far, noting when
 * each one got there, then checkpoints. `firstWriteAt` and `lastWriteAt`
 * are `performance.now()` readings taken around the load.
 */
export async function measureCatchUp(
  db: Shop,
  firstWriteAt: number,
  lastWriteAt: number,
  timeoutMs: number,
): Promise<CatchUp> {
  const { head, views } = await db.sync.stats();
  const names = views.map((v) => v.view);
  const doneAt = await Promise.all(
    names.map(async (name) => {
      if (head !== null) await db.sync.waitFor(head, [name], timeoutMs);
      return performance.now();
    }),
  );
  await db.sync.catchUp(timeoutMs);
  const after = await db.sync.stats();
  return {
    catchUpMs: Math.max(0, Math.max(...doneAt) - lastWriteAt),
    views: after.views.map((v) => {
      const at = doneAt[names.indexOf(v.view)] ?? performance.now();
      const events = v.applied + v.skipped;
      return {
        view: v.view,
        events,
        catchUpMs: Math.max(0, at - lastWriteAt),
        eventsPerSec: events / Math.max((at - firstWriteAt) / 1000, 1e-3),
        lagP50Ms: v.lagP50Ms,
        lagP99Ms: v.lagP99Ms,
      };
    }),
  };
}

/** The process's peak resident set so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Where the resident memory is now, in MB: the JS heap (Orama's index and
 * Polystore's own buffers), memory outside it that V8 knows of (PGlite's
 * WebAssembly memory), and the rest (Kuzu's buffer pool, DuckDB, LMDB's map).
 */
export function memoryNowMb(): { rss: number; jsHeap: number; external: number; native: number } {
  const { rss, heapTotal, external } = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  return { rss: mb(rss), jsHeap: mb(heapTotal), external: mb(external), native: mb(rss - heapTotal - external) };
}
