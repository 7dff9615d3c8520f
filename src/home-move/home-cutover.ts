import type { ChangeEvent } from '../contracts/change-event.js';
import type { HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';

/** Events per target transaction when the outbox tail is copied. */
const TAIL_BATCH = 500;
/**
 * State that moves with the home: view generations (where each view is
 * read), recorded schema versions, view shapes (which projection each view
 * holds), and the last scheduled check of each view.
 * Not moved: leases, backfill records and the pruned horizon, which hold
 * source positions or belong to running processes.
 */
const MOVED_STATE = ['generation/', 'schema/', 'check/', 'view-shape/', 'view-stats/'];
const NOT_MOVED_STATE = new Set(['check/schedule']);

export interface TailCopy {
  /** Source events copied into the target's outbox. */
  readonly events: number;
  /** Consumers whose checkpoint was written in the target (the others start at its first event). */
  readonly checkpoints: number;
}

/**
 * Moves what consumers of the source's outbox still need: the events after
 * the oldest consumer checkpoint (up to `through`, the fence's last event) are
 * appended to the target's outbox in log order, and each consumer's
 * checkpoint becomes the target position of the last copied event it had
 * handled. A consumer that had handled none of them gets no checkpoint and
 * reads the target's outbox from its start, which is the first copied event.
 * Event ids derive from entity, key and version, so a broker that already
 * holds a copied event drops it as a duplicate.
 */
export async function copyOutboxTail(
  source: HomeStore,
  target: HomeStore,
  through: LogPosition | null,
): Promise<TailCopy> {
  const checkpoints = await source.listCheckpoints();
  if (checkpoints.length === 0 || through === null) return { events: 0, checkpoints: 0 };
  const oldest = checkpoints.map((c) => c.position).sort()[0]!;
  // Source position → target position of every copied event, in log order.
  const copied: { from: LogPosition; to: LogPosition }[] = [];
  for (let after: LogPosition = oldest; after < through; ) {
    const events = (await source.readOutbox(after, TAIL_BATCH)).filter((e) => e.position <= through);
    if (events.length === 0) break;
    const positions = await target.transaction(async (tx) => {
      const out: LogPosition[] = [];
      for (const event of events) out.push(await tx.appendOutbox(withoutLogFields(event)));
      return out;
    });
    for (const [i, event] of events.entries()) copied.push({ from: event.position, to: positions[i]! });
    after = events.at(-1)!.position;
  }
  let written = 0;
  for (const { consumer, position } of checkpoints) {
    const handled = lastAtOrBefore(copied, position);
    if (handled === null) continue;
    await target.setCheckpoint(consumer, handled);
    written++;
  }
  return { events: copied.length, checkpoints: written };
}

/** Copies dead letters (with their attempts and errors) and the state that moves with the home. */
export async function copyHomeRecords(source: HomeStore, target: HomeStore): Promise<{ deadLetters: number }> {
  const letters = await source.listDeadLetters();
  for (const letter of letters) {
    await target.addDeadLetter({
      consumer: letter.consumer,
      event: letter.event,
      attempts: letter.attempts,
      error: letter.error,
    });
  }
  for (const prefix of MOVED_STATE) {
    for (const { key, record } of await source.listState(prefix)) {
      if (NOT_MOVED_STATE.has(key)) continue;
      const held = await target.readState(key);
      await target.writeState(key, record.value, held?.revision ?? null);
    }
  }
  return { deadLetters: letters.length };
}

function withoutLogFields(event: ChangeEvent) {
  return { entity: event.entity, key: event.key, version: event.version, op: event.op, payload: event.payload };
}

/** The target position of the last copied event whose source position is at or before `position`. */
function lastAtOrBefore(copied: readonly { from: LogPosition; to: LogPosition }[], position: LogPosition) {
  let lo = 0;
  let hi = copied.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (copied[mid]!.from <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : copied[lo - 1]!.to;
}
