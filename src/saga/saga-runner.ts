import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { HomeStore } from '../contracts/home-store.js';
import type { SagaRecord, SagaStepRecord } from '../contracts/saga-log.js';
import { PolystoreError } from '../errors/index.js';
import { describeError, type Logger } from '../runtime/logger.js';
import { SharedNaps } from '../runtime/wakeable-sleep.js';
import type { SagaDef } from './define-saga.js';
import { type ExecutionOutcome, runSaga, type StepTransaction } from './saga-execution.js';

/** How a process runs sagas (`sagaOptions` in the Polystore config). */
export interface SagaRunnerOptions {
  /** How long a worker's hold on a saga lasts without renewal (default 30 000 ms); renewed by every record. */
  readonly leaseMs?: number;
  /** How often a worker looks for sagas to take over (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** Most sagas one process runs at once (default 16). */
  readonly concurrency?: number;
  /** How often a worker looks for running sagas of versions it does not have (default 10 000 ms). */
  readonly unknownCheckMs?: number;
}

/** A running saga whose definition version this worker does not have: left alone, and said so. */
export interface UnknownSaga {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly error: PolystoreError;
}

export interface SagaRunnerStats {
  readonly owner: string;
  readonly running: boolean;
  /** Sagas this process is driving now. */
  readonly active: number;
  /** Sagas this process drove to an end (or to a person). */
  readonly settled: number;
  /** Sagas this process gave up on because another worker (or an operator) took them. */
  readonly lost: number;
  /** The running sagas of unknown versions seen at the last check. */
  readonly unknown: readonly UnknownSaga[];
  /** How many times a saga of an unknown version was seen (a counter for metrics). */
  readonly unknownSeen: number;
}

export interface SagaRunnerDeps {
  readonly home: () => HomeStore;
  readonly transaction: StepTransaction;
  readonly logger: Logger;
}

/**
 * Runs the sagas of the definitions it has: those this process starts, and
 * those whose lease expired (claimed in bulk on every poll, not only at
 * start-up). Sagas of versions it lacks are left alone and reported.
 */
export class SagaRunner {
  /** This worker; each lease it takes is `<owner>/<n>`, so a lease it lost and took again is a new one. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly leaseMs: number;
  readonly #pollMs: number;
  readonly #concurrency: number;
  readonly #unknownCheckMs: number;
  readonly #defs: ReadonlyMap<string, SagaDef>;
  readonly #naps = new SharedNaps();
  readonly #active = new Map<string, Promise<void>>();
  readonly #ended = new Set<(id: string, saga: SagaRecord | null) => void>();
  #loop: Promise<void> | undefined;
  #stopping = false;
  #settled = 0;
  #lost = 0;
  #unknown: readonly UnknownSaga[] = [];
  #unknownSeen = 0;
  #lastUnknownCheck = 0;
  #leases = 0;
  /** Sagas may wait for a claim (the last claim filled the room, or one started while this runner was full). */
  #waiting = false;

  constructor(
    defs: readonly SagaDef[],
    private readonly deps: SagaRunnerDeps,
    options: SagaRunnerOptions = {},
  ) {
    this.#defs = new Map(defs.map((def) => [keyOf(def.name, def.version), def]));
    this.leaseMs = options.leaseMs ?? 30_000;
    this.#pollMs = options.pollIntervalMs ?? 1000;
    this.#concurrency = options.concurrency ?? 16;
    this.#unknownCheckMs = options.unknownCheckMs ?? 10_000;
  }

  get running(): boolean {
    return this.#loop !== undefined && !this.#stopping;
  }

  /** Whether a saga started here now would run here at once (running, below its concurrency). */
  get accepting(): boolean {
    return this.running && this.#active.size < this.#concurrency;
  }

  start(): void {
    if (this.#loop || this.#defs.size === 0) return;
    this.#stopping = false;
    this.#loop = this.#poll();
  }

  /** Stops claiming; sagas in flight give their lease back at their next step boundary. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.#naps.wakeAll();
    await this.#loop;
    await Promise.all(this.#active.values());
    this.#loop = undefined;
  }

  /**
   * A new lease holder name. Records are fenced by it: an execution whose
   * saga was overridden and claimed again by this same worker holds an old
   * name, so it can no longer record or renew.
   */
  newLease(): string {
    return `${this.owner}/${++this.#leases}`;
  }

  /** Runs a saga this process just created with a lease from `newLease()` (it has no step rows yet). */
  adopt(record: SagaRecord): void {
    const def = this.#defs.get(keyOf(record.name, record.version));
    if (def && this.running) this.#launch(def, record, []);
  }

  /** A saga was started while this runner was full: the next end of one of its sagas claims at once. */
  claimWhenRoom(): void {
    this.#waiting = true;
  }

  /** Whether this process is driving saga `id` now (it hears of its end through `onEnded`). */
  drives(id: string): boolean {
    return this.#active.has(id);
  }

  /**
   * Calls `listener(id, saga)` whenever this process stops driving a saga;
   * `saga` is the row its last record left when it settled and the home
   * returned it (else null). Returns the unsubscribe.
   */
  onEnded(listener: (id: string, saga: SagaRecord | null) => void): () => void {
    this.#ended.add(listener);
    return () => this.#ended.delete(listener);
  }

  stats(): SagaRunnerStats {
    return {
      owner: this.owner,
      running: this.running,
      active: this.#active.size,
      settled: this.#settled,
      lost: this.#lost,
      unknown: this.#unknown,
      unknownSeen: this.#unknownSeen,
    };
  }

  async #poll(): Promise<void> {
    const known = [...this.#defs.values()].map((d) => ({ name: d.name, version: d.version }));
    while (!this.#stopping) {
      try {
        const room = this.#concurrency - this.#active.size;
        this.#waiting = room <= 0;
        if (room > 0) {
          const claimed = await this.deps
            .home()
            .sagas.claim({ owner: this.owner, leaseMs: this.leaseMs, limit: room, known });
          if (claimed.length === room) this.#waiting = true;
          for (const record of claimed) this.#launch(this.#defs.get(keyOf(record.name, record.version))!, record);
        }
        if (Date.now() - this.#lastUnknownCheck >= this.#unknownCheckMs) await this.#checkUnknown();
      } catch (err) {
        this.deps.logger.warn({ owner: this.owner, error: describeError(err) }, 'saga claim failed; retrying');
      }
      if (!this.#stopping) await this.#naps.sleep(this.#pollMs);
    }
  }

  /** `steps`: the saga's step rows when known (none for a saga just created), else read from the log. */
  #launch(def: SagaDef, record: SagaRecord, steps?: readonly SagaStepRecord[]): void {
    // Claimed again while an older execution here still runs it (its lease was lost or overridden):
    // that one stops at its next record or lease renewal; this one starts after it.
    const before = this.#active.get(record.id) ?? Promise.resolve();
    let settled: SagaRecord | null = null;
    const execution = before
      .then(() =>
        runSaga(def, record, {
          home: this.deps.home,
          transaction: this.deps.transaction,
          owner: record.owner!,
          leaseMs: this.leaseMs,
          logger: this.deps.logger,
          stopping: () => this.#stopping,
          steps,
        }),
      )
      .then(({ end, saga }: ExecutionOutcome) => {
        if (end === 'settled') this.#settled++;
        if (end === 'lost') this.#lost++;
        settled = saga;
      })
      .catch((err: unknown) => {
        this.#lost++;
        this.deps.logger.error({ saga: record.id, error: describeError(err) }, 'saga execution failed');
      })
      .finally(() => {
        if (this.#active.get(record.id) === execution) this.#active.delete(record.id);
        for (const listener of this.#ended) listener(record.id, settled);
        // Room for another saga, and some may wait: claim now rather than at the next poll.
        if (this.#waiting) {
          this.#waiting = false;
          this.#naps.wakeAll();
        }
      });
    this.#active.set(record.id, execution);
  }

  async #checkUnknown(): Promise<void> {
    this.#lastUnknownCheck = Date.now();
    const names = new Set([...this.#defs.values()].map((d) => d.name));
    const active = await this.deps.home().sagas.list({ states: ['running', 'compensating'], limit: 1000 });
    this.#unknown = active
      .filter((s) => names.has(s.name) && !this.#defs.has(keyOf(s.name, s.version)))
      .map((s) => ({ id: s.id, name: s.name, version: s.version, error: unknownVersion(s, this.#defs) }));
    this.#unknownSeen += this.#unknown.length;
    for (const saga of this.#unknown)
      this.deps.logger.warn(
        { saga: saga.id, code: saga.error.code, name: saga.name, version: saga.version },
        saga.error.message,
      );
  }
}

function keyOf(name: string, version: number): string {
  return `${name}@${version}`;
}

function unknownVersion(saga: SagaRecord, defs: ReadonlyMap<string, SagaDef>): PolystoreError {
  const have = [...defs.values()].filter((d) => d.name === saga.name).map((d) => d.version);
  return new PolystoreError(
    'PS_ERR_SAGA_UNKNOWN_VERSION',
    `Saga ${saga.id} runs version ${saga.version} of ${saga.name}, which this worker does not have (it has ${have.join(', ')}): left alone`,
    {
      fix: `run a worker with version ${saga.version} of ${saga.name} (keep old versions in sagas until their sagas end)`,
      details: { name: saga.name, version: saga.version },
    },
  );
}
