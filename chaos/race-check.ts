import type { StoredRow } from '../src/index.js';
import { type Discrepancies, discrepancies, note } from './discrepancies.js';
import type { RaceLedger } from './racer.js';
import { show } from './writer.js';

/**
 * Checks that the home's final state of each raced id linearises what the
 * racers were told: no version acknowledged twice; the home at the highest
 * acknowledged version holds that write (live with its rev, or deleted), or,
 * above it, a write whose outcome was unknown; never below it (an
 * acknowledged write lost). Any error other than the refusals linearisation
 * allows, or a store error, is divergent too.
 */
export function checkRaces(
  ledger: RaceLedger,
  rows: ReadonlyMap<string, StoredRow>,
  tombstones: ReadonlyMap<string, number>,
): Discrepancies {
  const out = discrepancies();
  for (const [key, outcomes] of ledger.keys) {
    const id = show(key);
    for (const o of outcomes)
      if (o.status === 'unexpected') note(out, 'divergent', `race on ${id}: ${o.kind} failed with ${o.error}`);
    const acked = outcomes.filter((o) => o.status === 'acked');
    const seen = new Map<number, number>();
    for (const o of acked) seen.set(o.version!, (seen.get(o.version!) ?? 0) + 1);
    for (const [version, n] of seen)
      if (n > 1) note(out, 'divergent', `race on ${id}: v${version} acknowledged to ${n} writes`);
    const row = rows.get(key);
    const final = row?.version ?? tombstones.get(key) ?? 0;
    const top = acked.reduce<(typeof acked)[number] | undefined>(
      (a, o) => (!a || o.version! > a.version! ? o : a),
      undefined,
    );
    if (!top) continue;
    const state = row ? `live v${row.version} rev ${row.data.rev}` : final > 0 ? `deleted at v${final}` : 'absent';
    if (final < top.version!) {
      note(out, 'lost', `race on ${id}: the home is ${state}, below the acknowledged ${top.kind} v${top.version}`);
    } else if (final === top.version) {
      const holds = top.kind === 'delete' ? row === undefined : row?.data.rev === top.rev;
      if (!holds) note(out, 'divergent', `race on ${id}: the home is ${state}, not the acknowledged ${top.kind}`);
    } else {
      const unknown = outcomes.filter((o) => o.status === 'unknown');
      const explained = row ? unknown.some((o) => o.rev === row.data.rev) : unknown.some((o) => o.kind === 'delete');
      if (!explained)
        note(out, 'divergent', `race on ${id}: the home is ${state}, above every acknowledged write (v${top.version})`);
    }
  }
  return out;
}
