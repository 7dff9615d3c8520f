import type { EntityAccess } from '../router/access-stats.js';

/** One change of placement the traffic calls for, with its reasons; nothing is applied. */
export interface PlacementAdvice {
  readonly entity: string;
  readonly add: 'cache-view' | 'search-view' | 'analytics-view';
  /** Each figure that led to it, in words. */
  readonly reasons: readonly string[];
  /** For a cache view: a TTL from how soon hot ids are read again. */
  readonly ttlMs?: number;
  /** For a search view: the text fields the home was filtered on. */
  readonly fields?: readonly string[];
  /** For an analytics view: the filter shapes counted again and again. */
  readonly shapes?: readonly string[];
  /** The view to declare; on the next start it fills itself by a live backfill while the application runs. */
  readonly snippet: string;
}

/** What placement advice knows of the model: each entity's views by kind, and its text fields. */
export interface PlacementModel {
  readonly views: readonly { readonly entity: string; readonly kind: string }[];
  readonly textFields: Readonly<Record<string, readonly string[]>>;
}

export interface PlacementThresholds {
  /** Gets before a cache view is worth advising (default 100). */
  readonly minGets: number;
  /** Gets per write at least (default 5). */
  readonly readWriteRatio: number;
  /** Finds before a search view is worth advising (default 50), and their least share of reads (default 0.2). */
  readonly minFinds: number;
  readonly findShare: number;
  /** Times one count shape must repeat (default 20). */
  readonly minRepeatedCounts: number;
  /** TTL = hot ids' mean re-read interval × this, within [1 s, 1 h] (default 4). */
  readonly ttlFactor: number;
}

export const DEFAULT_PLACEMENT_THRESHOLDS: PlacementThresholds = {
  minGets: 100,
  readWriteRatio: 5,
  minFinds: 50,
  findShare: 0.2,
  minRepeatedCounts: 20,
  ttlFactor: 4,
};

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Turns the router's access statistics into placement advice, each with its
 * reasons: a cache view for an entity read by id far more than written
 * (TTL from how soon its hot ids are read again), a search view for an
 * entity the home keeps filtering on text fields, an analytics view for the
 * same count asked again and again. A dry run: it says what to declare.
 *
 * @example
 * for (const a of placementAdvice(db.access(), placementModelOf(db))) console.log(a.entity, a.add, a.reasons.join('; '));
 */
export function placementAdvice(
  access: readonly EntityAccess[],
  model: PlacementModel,
  thresholds: Partial<PlacementThresholds> = {},
): PlacementAdvice[] {
  const t = { ...DEFAULT_PLACEMENT_THRESHOLDS, ...thresholds };
  const has = (entity: string, kind: string) => model.views.some((v) => v.entity === entity && v.kind === kind);
  const out: PlacementAdvice[] = [];
  for (const a of access) {
    const reads = a.reads.get + a.reads.find + a.reads.count + a.reads.search;
    const perWrite = a.reads.get / Math.max(1, a.writes);
    if (!has(a.entity, 'cache') && a.reads.get >= t.minGets && perWrite >= t.readWriteRatio) {
      const gaps = a.hotKeys
        .map((k) => k.rereadMs)
        .filter((g): g is number => g !== null)
        .sort((x, y) => x - y);
      const gap = gaps.length > 0 ? gaps[Math.floor(gaps.length / 2)]! : null;
      const ttlMs = gap === null ? 300_000 : Math.min(3_600_000, Math.max(1_000, Math.round(gap * t.ttlFactor)));
      const hot = a.hotKeys.slice(0, 3).map((k) => `${k.key} ${k.count}×`);
      out.push({
        entity: a.entity,
        add: 'cache-view',
        reasons: [
          `${a.reads.get} gets against ${a.writes} writes (${round1(perWrite)} per write), every one answered by the home (mean ${round1(a.meanMs.get)} ms)`,
          gap === null
            ? 'no id was read twice yet: TTL 5 min by default'
            : `hot ids are read again every ${Math.round(gap)} ms (median): TTL ${t.ttlFactor}× that, ${ttlMs} ms`,
          ...(hot.length > 0 ? [`hottest ids: ${hot.join(', ')}`] : []),
        ],
        ttlMs,
        snippet: `cacheView(${a.entity}, { store: 'cache', ttlMs: ${ttlMs} })`,
      });
    }
    const text = model.textFields[a.entity] ?? [];
    const filtered = text.filter((f) => (a.filterFields[f] ?? 0) * 2 >= a.reads.find);
    if (
      !has(a.entity, 'search') &&
      a.reads.find >= t.minFinds &&
      a.reads.find >= t.findShare * reads &&
      filtered.length > 0
    ) {
      out.push({
        entity: a.entity,
        add: 'search-view',
        reasons: [
          `${a.reads.find} finds (${Math.round((a.reads.find / reads) * 100)}% of its reads, mean ${round1(a.meanMs.find)} ms) on the home`,
          `filtered on text fields ${filtered.map((f) => `${f} (${a.filterFields[f]}×)`).join(', ')}`,
        ],
        fields: filtered,
        snippet: `searchView(${a.entity}, { store: 'search', fields: { ${filtered.map((f) => `${f}: 'string'`).join(', ')} }, searchable: [${filtered.map((f) => `'${f}'`).join(', ')}] })`,
      });
    }
    const repeated = Object.entries(a.countShapes).filter(([, n]) => n >= t.minRepeatedCounts);
    if (!has(a.entity, 'analytics') && repeated.length > 0) {
      out.push({
        entity: a.entity,
        add: 'analytics-view',
        reasons: [
          `${a.reads.count} counts on the home (mean ${round1(a.meanMs.count)} ms)`,
          ...repeated.map(([shape, n]) => `the count by ${shape} was asked ${n} times`),
        ],
        shapes: repeated.map(([shape]) => shape),
        snippet: `analyticsView(${a.entity}, { store: 'analytics', table: '${a.entity}', columns: { /* ${repeated.map(([s]) => s).join('; ')} */ }, rows: (r) => [r] })`,
      });
    }
  }
  return out;
}

/** The placement model of a Polystore: its views and each entity's text fields. */
export function placementModelOf(db: {
  readonly views: readonly { readonly view: { readonly entity: string; readonly kind: string } }[];
  readonly model: {
    readonly entities: readonly {
      readonly name: string;
      readonly shape: { readonly fields: ReadonlyMap<string, { readonly type: string }> } | null;
    }[];
  };
}): PlacementModel {
  return {
    views: db.views.map(({ view }) => ({ entity: view.entity, kind: view.kind })),
    textFields: Object.fromEntries(
      db.model.entities.map((e) => [
        e.name,
        [...(e.shape?.fields ?? new Map())].filter(([name, f]) => f.type === 'text' && name !== 'id').map(([n]) => n),
      ]),
    ),
  };
}
