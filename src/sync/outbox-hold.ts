import type { HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';

/**
 * A reader outside the sync engine that needs the outbox kept (a home move,
 * see src/home-move): `{ position, leaseUntil }` in the home's state. Until
 * the lease runs out, `SyncEngine.prune` keeps every event after `position`,
 * and every event while `position` is null.
 */
export const OUTBOX_HOLD_KEY = 'home/move-reader';

/** Holds the outbox after `position` (all of it when null) for `leaseMs`. */
export async function holdOutbox(home: HomeStore, position: LogPosition | null, leaseMs: number): Promise<void> {
  const held = await home.readState(OUTBOX_HOLD_KEY);
  await home.writeState(OUTBOX_HOLD_KEY, { position, leaseUntil: Date.now() + leaseMs }, held?.revision ?? null);
}

/** The position after which prune must keep events: null for all of them, undefined when nothing holds the outbox. */
export async function outboxHold(home: HomeStore): Promise<LogPosition | null | undefined> {
  const stored = await home.readState(OUTBOX_HOLD_KEY);
  if (!stored) return undefined;
  const { position, leaseUntil } = stored.value as { position: LogPosition | null; leaseUntil: number };
  return leaseUntil > Date.now() ? position : undefined;
}
