import type { EntityTableSpec, HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';
import { PolystoreError } from '../errors/index.js';
import type { Logger } from '../runtime/logger.js';
import { OutboxRelay } from '../sync/outbox-relay.js';
import type { SyncEngine } from '../sync/sync-engine.js';
import type { MovableHome } from './movable-home.js';
import { type MoveHomeOptions, type MoveOutcome, moveHome } from './move-home.js';

/** What an application moving its own home switches at the cutover. */
export interface OwnHome {
  readonly movable: MovableHome;
  readonly specs: readonly EntityTableSpec[];
  readonly sync: SyncEngine;
  /** Stops and starts what runs on a schedule against the home (scheduled checks). */
  readonly schedules: { stop(): Promise<void>; start(): void };
  /** Reads the view generations from the (new) home again. */
  refreshGenerations(): Promise<void>;
  /** Sets the instance's newest write token (a position in the new home). */
  setLastWrite(position: LogPosition | null): void;
  readonly logger: Logger;
}

/**
 * `moveHome` for a running application: its own writes wait at the cutover
 * instead of failing (the movable home holds them), then the sync engine
 * stops, the home is switched, the engine starts again on the new home's
 * checkpoints, and the held writes run there; the old home closes with the
 * application (calls that started on it may still be running). Other
 * processes still writing to the old home get `PS_ERR_HOME_MOVED` naming the
 * new one. Refused in CDC mode: the capture streams from the old server's
 * replication slot, so the processes must restart with the new home.
 */
export async function moveOwnHome(own: OwnHome, target: HomeStore, options: MoveHomeOptions): Promise<MoveOutcome> {
  const capture = own.sync.capture;
  if (capture && !(capture instanceof OutboxRelay)) {
    throw new PolystoreError('PS_ERR_HOME_MOVE', 'The home cannot be moved from inside the application in CDC mode', {
      fix: 'run `polystore migrate-home` with the workers stopped, then restart every process with the new home',
    });
  }
  const source = own.movable.current;
  return moveHome(
    source,
    target,
    own.specs,
    {
      beforeFence: () => own.movable.hold(),
      afterCutover: async () => {
        const running = own.sync.running;
        if (running) {
          await own.schedules.stop();
          await own.sync.stop();
        }
        own.movable.switchTo(target);
        own.sync.homeMoved();
        own.setLastWrite(await target.outboxHead());
        await own.refreshGenerations();
        if (running) {
          await own.sync.start();
          own.schedules.start();
        }
        own.movable.release();
        own.logger.info({ from: source.location, to: target.location }, 'the home moved');
      },
      onAbort: () => own.movable.release(),
    },
    options,
  );
}
