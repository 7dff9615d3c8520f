import type { HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';
import type { VersionEntry } from '../contracts/view-store.js';
import { type DriftKind, homeVersionsOf, judge } from './home-walk.js';
import { type CheckedView, entriesOf } from './view-entries.js';

/** Pause before each round after the first: time for a committed write's event to settle in the outbox. */
const SETTLE_PAUSE_MS = 250;

/** What the checker learns from the sync engine about a view's progress. */
export interface ViewProgress {
  /**
   * Resolves true once the view's durable progress (in any process) passes
   * `position`, false if `timeoutMs` pass first.
   */
  reached(view: string, position: LogPosition, timeoutMs: number): Promise<boolean>;
  /** Age in ms of the oldest event the view has not handled (0 when it is caught up). */
  lagMs(view: string): Promise<number>;
}

export interface Settled {
  /** Drifted ids with the view's entry as last read (null: none). */
  readonly drift: Map<string, { readonly kind: DriftKind; readonly entry: VersionEntry | null }>;
  /** Candidates that were not drift: the view caught up with them, or the home kept changing them. */
  readonly inFlight: number;
  /** Candidates left unsettled because the view did not catch up in time. */
  readonly unresolved: number;
  /** The view's durable progress did not pass the home's outbox head within `maxLagMs`. */
  readonly lagging: boolean;
}

/**
 * The second pass: tells drift from changes in flight. Each round reads the
 * candidates' home versions, takes the home's outbox head, waits until the
 * view has applied everything up to it, reads the view's entries, and reads
 * the home again. An id whose home state moved during the round is looked at
 * again next round; one the view now holds right is in flight; one still
 * wrong is drift once two rounds in a row find it so against the same home
 * version (the second round's head covers a write that was visible to the
 * first round's read but had not settled in the outbox yet: on MariaDB an
 * event settles only once its writer has unregistered after COMMIT, which
 * under load took longer than a round; rounds after the first start
 * `SETTLE_PAUSE_MS` apart). A view that does not pass a head in time is
 * lagging: its candidates stay unresolved, counted as neither. After
 * `maxLagMs`, ids that keep moving count as in flight.
 */
export async function settleCandidates(
  home: HomeStore,
  { view, store, entity }: CheckedView,
  candidates: readonly string[],
  progress: ViewProgress,
  maxLagMs: number,
): Promise<Settled> {
  const drift: Settled['drift'] = new Map();
  const deadline = Date.now() + maxLagMs;
  // Ids found wrong in the last round, with the home version they were wrong against.
  const seenWrong = new Map<string, number | null>();
  let pending = candidates;
  let inFlight = 0;
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS));
    const before = await homeVersionsOf(home, entity.table, pending);
    const head = await home.outboxHead();
    if (head !== null && !(await progress.reached(view.name, head, Math.max(0, deadline - Date.now()))))
      return { drift, inFlight, unresolved: pending.length, lagging: true };
    const entries = await entriesOf(store, view.scope, pending);
    const after = await homeVersionsOf(home, entity.table, pending);
    const next: string[] = [];
    for (const id of pending) {
      const version = before.get(id) ?? null;
      if (version !== (after.get(id) ?? null)) {
        seenWrong.delete(id);
        next.push(id);
        continue;
      }
      const entry = entries.get(id) ?? null;
      const kind = judge(version, entry, view.completeness);
      if (kind === null) inFlight++;
      else if (seenWrong.has(id) && seenWrong.get(id) === version) drift.set(id, { kind, entry });
      else {
        seenWrong.set(id, version);
        next.push(id);
      }
    }
    // Out of time: ids still moving are in flight; those found wrong once get their second look.
    pending = Date.now() < deadline ? next : next.filter((id) => seenWrong.has(id));
    inFlight += next.length - pending.length;
  }
  return { drift, inFlight, unresolved: 0, lagging: false };
}
