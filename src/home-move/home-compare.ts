import { createHash } from 'node:crypto';
import type { EntityTableSpec, HomeStore, StoredRow } from '../contracts/home-store.js';
import { COPY_CHUNK } from './home-copy.js';

/** One id's state in a home: its live row, its tombstone, or nothing. */
export type HeldState =
  | { readonly kind: 'row'; readonly row: StoredRow }
  | { readonly kind: 'tombstone'; readonly version: number }
  | { readonly kind: 'absent' };

/** An id whose state differs between the two homes. */
export interface HomeDifference {
  readonly id: string;
  readonly source: HeldState;
  readonly target: HeldState;
}

export interface EntityComparison {
  readonly entity: string;
  /** Live source rows compared. */
  readonly rows: number;
  /** Source tombstones (compared by digest, and id by id when the digests differ). */
  readonly tombstones: number;
  readonly differences: HomeDifference[];
}

const ABSENT: HeldState = { kind: 'absent' };

/**
 * Compares one entity in two homes by content: every live source row with
 * the target's row of the same id (version and data, read back through each
 * home's codec and compared as canonical JSON), then extra target rows (found
 * by count), then tombstones, first by an order-independent digest of ids and
 * versions (the homes may sort ids differently), id by id only when the
 * digests differ. Exact when the source does not change meanwhile (after a
 * fence); on a live source a difference may be a change still in flight.
 */
export async function compareEntity(
  source: HomeStore,
  target: HomeStore,
  spec: EntityTableSpec,
  signal?: AbortSignal,
): Promise<EntityComparison> {
  const differences: HomeDifference[] = [];
  let rows = 0;
  let matched = 0;
  for (let after: string | null = null; !signal?.aborted; ) {
    const chunk = await source.scanRows(spec, { after, limit: COPY_CHUNK });
    if (chunk.length === 0) break;
    rows += chunk.length;
    after = chunk.at(-1)!.id;
    const held = new Map(
      (
        await target.getMany(
          spec,
          chunk.map((row) => row.id),
        )
      ).map((row) => [row.id, row]),
    );
    for (const row of chunk) {
      const other = held.get(row.id);
      if (other && sameRow(row, other)) matched++;
      else
        differences.push({
          id: row.id,
          source: { kind: 'row', row },
          target: other ? { kind: 'row', row: other } : ABSENT,
        });
    }
  }
  const sourceTombstones = await tombstoneSummary(source, spec, signal);
  const targetTombstones = await tombstoneSummary(target, spec, signal);
  const extraRows =
    (await target.count(spec, null)) - matched - differences.filter((d) => d.target.kind === 'row').length;
  if (extraRows > 0 || sourceTombstones.digest !== targetTombstones.digest) {
    const [sourceDeleted, targetDeleted] = await Promise.all([
      allTombstones(source, spec),
      allTombstones(target, spec),
    ]);
    const rowIds = new Set(differences.map((d) => d.id));
    for (const [id, version] of sourceDeleted) {
      if (targetDeleted.get(id) === version || rowIds.has(id)) continue;
      const [row] = await target.getMany(spec, [id]);
      const state: HeldState = row
        ? { kind: 'row', row }
        : targetDeleted.has(id)
          ? { kind: 'tombstone', version: targetDeleted.get(id)! }
          : ABSENT;
      differences.push({ id, source: { kind: 'tombstone', version }, target: state });
      rowIds.add(id);
    }
    for (const [id, version] of targetDeleted) {
      if (sourceDeleted.has(id) || rowIds.has(id)) continue;
      const [row] = await source.getMany(spec, [id]);
      differences.push({ id, source: row ? { kind: 'row', row } : ABSENT, target: { kind: 'tombstone', version } });
      rowIds.add(id);
    }
    if (extraRows > 0) {
      for (let after: string | null = null; !signal?.aborted; ) {
        const chunk = await target.scanVersions(spec, { after, limit: COPY_CHUNK });
        if (chunk.length === 0) break;
        after = chunk.at(-1)!.id;
        const live = new Set(
          (
            await source.getMany(
              spec,
              chunk.map((r) => r.id),
            )
          ).map((row) => row.id),
        );
        for (const { id } of chunk) {
          if (live.has(id) || rowIds.has(id)) continue;
          const [row] = await target.getMany(spec, [id]);
          const version = sourceDeleted.get(id);
          differences.push({
            id,
            source: version === undefined ? ABSENT : { kind: 'tombstone', version },
            target: row ? { kind: 'row', row } : ABSENT,
          });
        }
      }
    }
  }
  return { entity: spec.entity, rows, tombstones: sourceTombstones.count, differences };
}

/** Brings each differing id of the target to the source's state; returns the ids it could not (absent in the source). */
export async function repairDifferences(
  target: HomeStore,
  spec: EntityTableSpec,
  differences: readonly HomeDifference[],
): Promise<string[]> {
  const rows = differences.flatMap((d) => (d.source.kind === 'row' ? [d.source.row] : []));
  const tombstones = differences.flatMap((d) =>
    d.source.kind === 'tombstone' ? [{ id: d.id, version: d.source.version }] : [],
  );
  for (let i = 0; i < rows.length; i += COPY_CHUNK) await target.restoreRows(spec, rows.slice(i, i + COPY_CHUNK));
  for (let i = 0; i < tombstones.length; i += COPY_CHUNK)
    await target.restoreTombstones(spec, tombstones.slice(i, i + COPY_CHUNK));
  return differences.filter((d) => d.source.kind === 'absent').map((d) => d.id);
}

/** Compares the state of just `ids` in both homes (the ids a final catch-up touched). */
export async function compareIds(
  source: HomeStore,
  target: HomeStore,
  spec: EntityTableSpec,
  ids: readonly string[],
): Promise<HomeDifference[]> {
  const differences: HomeDifference[] = [];
  for (let i = 0; i < ids.length; i += COPY_CHUNK) {
    const chunk = ids.slice(i, i + COPY_CHUNK);
    const [left, right] = await Promise.all([source.getMany(spec, chunk), target.getMany(spec, chunk)]);
    const a = new Map(left.map((row) => [row.id, row]));
    const b = new Map(right.map((row) => [row.id, row]));
    for (const id of chunk) {
      const x = a.get(id);
      const y = b.get(id);
      if (x && y ? sameRow(x, y) : !x && !y) continue;
      differences.push({
        id,
        source: x ? { kind: 'row', row: x } : ABSENT,
        target: y ? { kind: 'row', row: y } : ABSENT,
      });
    }
  }
  return differences;
}

/** Same version and the same data, as canonical JSON (dates as ISO strings, keys sorted). */
export function sameRow(a: StoredRow, b: StoredRow): boolean {
  return a.version === b.version && canonical(a.data) === canonical(b.data);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/** The number of tombstones and an order-independent digest of their ids and versions (a sum of 64-bit hashes). */
async function tombstoneSummary(
  home: HomeStore,
  spec: EntityTableSpec,
  signal?: AbortSignal,
): Promise<{ count: number; digest: string }> {
  let count = 0;
  let sum = 0n;
  for (let after: string | null = null; !signal?.aborted; ) {
    const chunk = await home.scanTombstones(spec, { after, limit: COPY_CHUNK });
    if (chunk.length === 0) break;
    after = chunk.at(-1)!.id;
    for (const { id, version } of chunk) {
      count++;
      sum = (sum + createHash('sha256').update(`${version}:${id}`).digest().readBigUInt64BE(0)) & 0xffffffffffffffffn;
    }
  }
  return { count, digest: `${count}:${sum}` };
}

async function allTombstones(home: HomeStore, spec: EntityTableSpec): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let after: string | null = null; ; ) {
    const chunk = await home.scanTombstones(spec, { after, limit: COPY_CHUNK });
    if (chunk.length === 0) return out;
    after = chunk.at(-1)!.id;
    for (const { id, version } of chunk) out.set(id, version);
  }
}
