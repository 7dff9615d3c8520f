import fc from 'fast-check';
import type { GraphFragment } from '../../src/contracts/graph-store.js';
import type { VersionedChange } from '../../src/contracts/view-store.js';
import { type HomeEvent, homeWrite, versionWrites } from '../contracts/graph-ownership-records.js';

/** One `applyIfNewer` call: one scope, each key once. */
export interface CrashBatch {
  readonly scope: string;
  readonly changes: VersionedChange<GraphFragment>[];
  readonly events: HomeEvent[];
}

/**
 * The same batches in every process for one seed: home writes over the
 * ownership contract's records (creates, updates that move edges, deletes,
 * re-creates), versioned per key, cut into batches of up to `size` changes.
 */
export function crashSchedule(seed: number, writes: number, size = 6): CrashBatch[] {
  const events = versionWrites(fc.sample(homeWrite, { seed, numRuns: writes }));
  const out: CrashBatch[] = [];
  let current: HomeEvent[] = [];
  const close = () => {
    if (current.length === 0) return;
    out.push({
      scope: current[0]!.scope,
      changes: current.map((e) => ({ key: e.key, version: e.version, value: e.value })),
      events: current,
    });
    current = [];
  };
  for (const event of events) {
    const clash = current.some((c) => c.scope !== event.scope || c.key === event.key);
    if (current.length >= size || clash) close();
    current.push(event);
  }
  close();
  return out;
}
