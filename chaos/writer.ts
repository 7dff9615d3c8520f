import type { EntityClient } from '../src/index.js';
import { isPolystoreError } from '../src/index.js';
import { describeError } from '../src/runtime/logger.js';
import type { Item } from './deployment.js';
import { sleep } from './servers.js';
import type { Lane, Ledger, Op } from './workload.js';

/** How long one write may keep failing (a server down) before the run gives up on it. */
const GIVE_UP_MS = 90_000;

export interface WriterStats {
  /** Attempts that failed with an error that leaves the outcome unknown (a server going away mid-write). */
  unknownOutcomes: number;
  /** Of those, writes that had committed after all (found by reading the home). */
  committedAfterAll: number;
  /** Attempts repeated because the home showed the write had not committed. */
  retried: number;
  /** The home returned or held another version than the ledger expects (a product bug). */
  versionMismatches: number;
}

/**
 * Runs the lanes concurrently at a steady rate against the home, in the
 * harness process. A write that fails with a store error may or may not have
 * committed (the server can die between COMMIT and its reply): the writer then
 * reads the home, which is the truth, and either records the write as
 * committed or repeats it. Updates and deletes carry `expectedVersion`, so a
 * repeated write can never apply twice.
 */
export class Writer {
  readonly stats: WriterStats = { unknownOutcomes: 0, committedAfterAll: 0, retried: 0, versionMismatches: 0 };
  readonly mismatches: string[] = [];
  #stop = false;
  #running: Promise<void>[] = [];

  constructor(
    private readonly client: EntityClient<Item>,
    private readonly ledger: Ledger,
    private readonly lanes: readonly Lane[],
    private readonly writesPerSecond: number,
  ) {}

  start(): void {
    this.#running = this.lanes.map((lane) => this.#runLane(lane));
  }

  /** Every lane has written its poison records. */
  get poisonDone(): boolean {
    return this.lanes.every((lane) => lane.poisonDone);
  }

  /** Asks the lanes to stop after their write in flight; resolves when they have (rejects if one failed). */
  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#running);
  }

  async #runLane(lane: Lane): Promise<void> {
    const interval = (1000 * this.lanes.length) / this.writesPerSecond;
    let due = Date.now();
    while (!this.#stop) {
      await this.#execute(lane.next());
      due += interval;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      // After an outage, resume the pace instead of bursting to catch up.
      else if (wait < -1000) due = Date.now();
    }
  }

  async #execute(op: Op): Promise<void> {
    const started = Date.now();
    for (;;) {
      let failure: unknown;
      try {
        this.#commit(op, await this.#write(op));
        return;
      } catch (err) {
        failure = err;
      }
      const refused =
        isPolystoreError(failure, 'PS_ERR_ALREADY_EXISTS') ||
        isPolystoreError(failure, 'PS_ERR_NOT_FOUND') ||
        isPolystoreError(failure, 'PS_ERR_VERSION_CONFLICT');
      if (!refused) this.stats.unknownOutcomes++;
      const outcome = await this.#resolve(op, started);
      if (outcome.committed) {
        this.stats.committedAfterAll++;
        this.#commit(op, outcome.version);
        return;
      }
      // The home refused a write the ledger says is valid: the two disagree.
      if (refused) throw new Error(`${op.kind} ${op.key} was refused (${describeError(failure)}) and did not commit`);
      if (Date.now() - started > GIVE_UP_MS)
        throw new Error(`${op.kind} ${op.key} kept failing for ${GIVE_UP_MS} ms: ${describeError(failure)}`);
      this.stats.retried++;
      await sleep(100);
    }
  }

  /** Runs the write; resolves the version it gave the key. */
  async #write(op: Op): Promise<number> {
    switch (op.kind) {
      case 'create':
        return (await this.client.create(op.record)).$version;
      case 'update':
        return (await this.client.update(op.key, op.patch, { expectedVersion: op.expectedVersion })).$version;
      case 'delete':
        return (await this.client.delete(op.key, { expectedVersion: op.expectedVersion })).$version;
    }
  }

  /** Reads the home (retrying while it is down) to tell whether `op` committed. */
  async #resolve(op: Op, started: number): Promise<{ committed: boolean; version?: number }> {
    for (;;) {
      try {
        const row = await this.client.get(op.key, { consistency: 'strong' });
        const before = this.ledger.state(op.key);
        switch (op.kind) {
          case 'create':
            if (row?.rev === op.record.rev) return { committed: true, version: row.$version };
            if (row !== null) this.#mismatch(`${op.key} holds rev ${row.rev}, though the ledger has it deleted`);
            return { committed: false };
          case 'update':
            if (row?.rev === op.patch.rev) return { committed: true, version: row.$version };
            if (row?.rev !== before?.rev || row?.$version !== before?.version)
              this.#mismatch(
                `${op.key} holds rev ${row?.rev} v${row?.$version}, not rev ${before?.rev} v${before?.version}`,
              );
            return { committed: false };
          case 'delete':
            // Only this lane writes the key: if it is gone, this delete removed it.
            return row === null ? { committed: true } : { committed: false };
        }
      } catch (err) {
        if (Date.now() - started > GIVE_UP_MS)
          throw new Error(`could not read ${op.key} from the home for ${GIVE_UP_MS} ms: ${describeError(err)}`);
        await sleep(200);
      }
    }
  }

  #commit(op: Op, version: number | undefined): void {
    const expected = (this.ledger.state(op.key)?.version ?? 0) + 1;
    if (version !== undefined && version !== expected)
      this.#mismatch(`${op.kind} ${op.key} gave v${version}, the ledger expects v${expected}`);
    this.ledger.commit(op);
  }

  #mismatch(what: string): void {
    this.stats.versionMismatches++;
    if (this.mismatches.length < 10) this.mismatches.push(what);
  }
}
