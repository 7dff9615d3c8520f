import { TopKeys } from './top-keys.js';

/** What a read asked for, as the router saw it. */
export type ReadIntent = 'get' | 'find' | 'count' | 'search';

/** One entity's traffic since the process started (or since `reset`). */
export interface EntityAccess {
  readonly entity: string;
  readonly writes: number;
  readonly reads: Readonly<Record<ReadIntent, number>>;
  /** Gets answered by a cache view, and gets that fell back to the home (a miss or no cache view). */
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** Mean latency per intent, in ms, over a sample of the reads (every one of finds, counts and searches). */
  readonly meanMs: Readonly<Record<ReadIntent, number>>;
  /** How many finds and counts filtered on each field (top-level names). */
  readonly filterFields: Readonly<Record<string, number>>;
  /** Counts by filter shape (the sorted field names): the same question asked again and again. */
  readonly countShapes: Readonly<Record<string, number>>;
  /** The most read ids (bounded, never a per-id metric), with their re-read intervals. */
  readonly hotKeys: readonly import('./top-keys.js').HotKey[];
  readonly sinceMs: number;
}

const INTENTS: readonly ReadIntent[] = ['get', 'find', 'count', 'search'];
/** Distinct filter fields and count shapes kept per entity: beyond, new ones are not counted. */
const MAX_SHAPES = 64;

class EntityCounters {
  writes = 0;
  cacheHits = 0;
  cacheMisses = 0;
  readonly reads: Record<ReadIntent, number> = { get: 0, find: 0, count: 0, search: 0 };
  readonly totalMs: Record<ReadIntent, number> = { get: 0, find: 0, count: 0, search: 0 };
  /** Reads timed (a sample of them: see `latency`). */
  readonly timed: Record<ReadIntent, number> = { get: 0, find: 0, count: 0, search: 0 };
  readonly filterFields = new Map<string, number>();
  readonly countShapes = new Map<string, number>();
  readonly hot = new TopKeys(32);
}

function bump(map: Map<string, number>, key: string): void {
  const n = map.get(key);
  if (n !== undefined) map.set(key, n + 1);
  else if (map.size < MAX_SHAPES) map.set(key, 1);
}

/**
 * Bounded statistics of what the router serves, per entity and intent: the
 * input of placement advice (`placementAdvice`). Counters, means, the filter
 * fields used, and a top-k sketch of hot ids; no per-id state beyond the
 * sketch's `k` slots.
 */
export class AccessStats {
  readonly #entities = new Map<string, EntityCounters>();
  #since: number;

  constructor(private readonly now: () => number = Date.now) {
    this.#since = now();
  }

  #of(entity: string): EntityCounters {
    let counters = this.#entities.get(entity);
    if (!counters) {
      counters = new EntityCounters();
      this.#entities.set(entity, counters);
    }
    return counters;
  }

  /** A read of `entity`; `keys` are the ids a get asked for, `fields` the filter's fields. */
  read(
    entity: string,
    intent: ReadIntent,
    detail: { keys?: readonly string[]; fields?: readonly string[] } = {},
  ): void {
    const c = this.#of(entity);
    c.reads[intent]++;
    if (detail.keys) {
      const at = this.now();
      for (const key of detail.keys) c.hot.record(key, at);
    }
    if (detail.fields) {
      for (const field of detail.fields) bump(c.filterFields, field);
      if (intent === 'count') bump(c.countShapes, [...detail.fields].sort().join(',') || '(all)');
    }
  }

  /** How long one read took: the mean per intent is over the reads timed. */
  latency(entity: string, intent: ReadIntent, ms: number): void {
    const c = this.#of(entity);
    c.totalMs[intent] += ms;
    c.timed[intent]++;
  }

  /** Ids a get found in a cache view (`hits`) and ids the home answered (`misses`: not cached, or no cache view). */
  cache(entity: string, hits: number, misses: number): void {
    const c = this.#of(entity);
    c.cacheHits += hits;
    c.cacheMisses += misses;
  }

  write(entity: string, count = 1): void {
    this.#of(entity).writes += count;
  }

  snapshot(): EntityAccess[] {
    const sinceMs = this.now() - this.#since;
    return [...this.#entities].map(([entity, c]) => ({
      entity,
      writes: c.writes,
      reads: { ...c.reads },
      cacheHits: c.cacheHits,
      cacheMisses: c.cacheMisses,
      meanMs: Object.fromEntries(INTENTS.map((i) => [i, c.timed[i] === 0 ? 0 : c.totalMs[i] / c.timed[i]])) as Record<
        ReadIntent,
        number
      >,
      filterFields: Object.fromEntries(c.filterFields),
      countShapes: Object.fromEntries(c.countShapes),
      hotKeys: c.hot.top(),
      sinceMs,
    }));
  }

  reset(): void {
    this.#entities.clear();
    this.#since = this.now();
  }
}

/** The top-level field names a parsed filter reads (for `find` and `count` statistics). */
export function filterFieldsOf(filter: unknown): string[] {
  const out = new Set<string>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$and' || key === '$or') {
        if (Array.isArray(value)) for (const part of value) walk(part);
      } else if (!key.startsWith('$')) out.add(key.split('.')[0]!);
    }
  };
  walk(filter);
  return [...out];
}
