/** One tracked key: its estimated read count and how often it is read again. */
export interface HotKey {
  readonly key: string;
  /** Reads counted (an overestimate by at most `error`, as Space-Saving gives). */
  readonly count: number;
  readonly error: number;
  /** Mean time between two reads of this key, in ms (null before its second read). */
  readonly rereadMs: number | null;
}

interface Slot {
  key: string;
  count: number;
  error: number;
  lastAt: number;
  /** Exponentially weighted mean of the gaps between reads. */
  gapMs: number | null;
}

/**
 * Untracked reads per admission into a full sketch: a read of a cache hit,
 * the hot path, then costs a map lookup, not a scan of every slot.
 */
const ADMIT_EVERY = 8;

/**
 * The `capacity` most read keys of a stream (Space-Saving with sampled
 * admission: once every slot is taken, one read of an untracked key in
 * {@link ADMIT_EVERY} takes the place of the least counted one, inheriting its
 * count, plus the untracked reads it stands for, as error), with each tracked
 * key's re-read interval. Bounded memory whatever the key space: never a
 * per-id metric.
 */
export class TopKeys {
  readonly #slots = new Map<string, Slot>();
  /** Reads of untracked keys while every slot is taken. */
  #untracked = 0;

  constructor(private readonly capacity = 32) {}

  record(key: string, now: number): void {
    const slot = this.#slots.get(key);
    if (slot) {
      slot.count++;
      const gap = now - slot.lastAt;
      slot.gapMs = slot.gapMs === null ? gap : slot.gapMs * 0.8 + gap * 0.2;
      slot.lastAt = now;
      return;
    }
    if (this.#slots.size < this.capacity) {
      this.#slots.set(key, { key, count: 1, error: 0, lastAt: now, gapMs: null });
      return;
    }
    // Full: one untracked read in ADMIT_EVERY replaces the least counted key (a scan of every slot),
    // standing for the ADMIT_EVERY untracked reads since the last one. A key read often enough to
    // matter is admitted within a few of its reads and counted exactly from then on.
    if (++this.#untracked % ADMIT_EVERY !== 0) return;
    let min: Slot | undefined;
    for (const s of this.#slots.values()) if (!min || s.count < min.count) min = s;
    this.#slots.delete(min!.key);
    const count = min!.count + ADMIT_EVERY;
    this.#slots.set(key, { key, count, error: count - 1, lastAt: now, gapMs: null });
  }

  /** The tracked keys, most read first. */
  top(): HotKey[] {
    return [...this.#slots.values()]
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
      .map((s) => ({ key: s.key, count: s.count, error: s.error, rereadMs: s.gapMs }));
  }
}
