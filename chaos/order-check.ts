import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * How each view keeps what it applied, which decides what "versions in
 * increasing order" can mean for it:
 * - `immediate` (Redis): an apply is durable once it returns, so the versions a
 *   view held for a key never decrease, across worker crashes too, within one
 *   epoch. An epoch ends when the store reports that it lost its data (a Redis
 *   restart without persistence): the view starts empty and is rebuilt from the
 *   home, and the sequence starts again.
 * - `on-flush` (Orama): applies become durable at the next flush, so a crash
 *   rolls the view back to its last flush. Within a worker incarnation versions
 *   never decrease; a new incarnation must start at or above the last version
 *   recorded before the previous incarnation's last completed flush.
 */
export type Durability = 'immediate' | 'on-flush';

export interface OrderReport {
  /** Observations of a version lower than the view held before (in the same epoch, or below its durable floor). */
  readonly outOfOrder: number;
  readonly observations: number;
  /** Keys whose versions were seen to change at least three times in one view. */
  readonly busyKeys: number;
  readonly resets: number;
  readonly incarnations: number;
  /** A few regressions, for a look. */
  readonly samples: readonly string[];
}

interface ViewState {
  readonly durability: Durability;
  /** Per key, the last version held in the current epoch or incarnation. */
  readonly last: Map<string, number>;
  /** On-flush views: per key, the last version made durable by a completed flush. */
  readonly durable: Map<string, number>;
  /** On-flush views: keys observed since the last completed flush. */
  readonly unflushed: Set<string>;
  /** Per key, distinct versions observed. */
  readonly changes: Map<string, number>;
}

/** Reads every incarnation's order log, in order, and checks each view's per-key version sequence. */
export async function checkOrder(dir: string, views: Readonly<Record<string, Durability>>): Promise<OrderReport> {
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.log'))
    .sort((a, b) => incarnationOf(a) - incarnationOf(b));
  const states = new Map<string, ViewState>(
    Object.entries(views).map(([view, durability]) => [
      view,
      { durability, last: new Map(), durable: new Map(), unflushed: new Set(), changes: new Map() },
    ]),
  );
  let outOfOrder = 0;
  let observations = 0;
  let resets = 0;
  const samples: string[] = [];
  for (const file of files) {
    // An incarnation starts from what survived the previous one.
    for (const state of states.values()) {
      if (state.durability !== 'on-flush') continue;
      state.last.clear();
      for (const [key, version] of state.durable) state.last.set(key, version);
      state.unflushed.clear();
    }
    const text = await readFile(join(dir, file), 'utf8');
    // A line cut short by a SIGKILL has no newline yet: it is not a fact.
    const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
    for (const line of lines) {
      if (line === '') continue;
      const [kind, view, key, version] = line.split('\t');
      const state = states.get(view ?? '');
      if (!state) throw new Error(`order log ${file}: unknown view in "${line}"`);
      if (kind === 'r') {
        resets++;
        state.last.clear();
        state.durable.clear();
        state.unflushed.clear();
      } else if (kind === 'f') {
        for (const k of state.unflushed) state.durable.set(k, state.last.get(k)!);
        state.unflushed.clear();
      } else if (kind === 'v' && key !== undefined) {
        observations++;
        const held = Number(version);
        const before = state.last.get(key);
        if (before !== undefined && held < before) {
          outOfOrder++;
          if (samples.length < 10) samples.push(`${view} ${key}: v${before} then v${held} (${file})`);
        }
        if (before !== held) state.changes.set(key, (state.changes.get(key) ?? 0) + 1);
        state.last.set(key, held);
        if (state.durability === 'on-flush') state.unflushed.add(key);
      } else {
        throw new Error(`order log ${file}: unreadable line "${line}"`);
      }
    }
  }
  let busyKeys = 0;
  for (const state of states.values()) for (const n of state.changes.values()) if (n >= 3) busyKeys++;
  return { outOfOrder, observations, busyKeys, resets, incarnations: files.length, samples };
}

export function orderLogFile(dir: string, incarnation: number): string {
  return join(dir, `${String(incarnation).padStart(4, '0')}.log`);
}

function incarnationOf(file: string): number {
  return Number(file.replace(/\.log$/, ''));
}
