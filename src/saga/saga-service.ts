import { randomUUID } from 'node:crypto';
import type { HomeStore } from '../contracts/home-store.js';
import type { SagaFilter, SagaRecord, SagaStepRecord } from '../contracts/saga-log.js';
import { PolystoreError } from '../errors/index.js';
import { issuePath } from '../model/standard-schema.js';
import type { SagaDef } from './define-saga.js';
import { readSagaConfig } from './saga-config.js';
import { policyOf, progressOf } from './saga-record.js';
import { SagaRunner, type SagaRunnerDeps, type SagaRunnerOptions, type SagaRunnerStats } from './saga-runner.js';
import { isFinal, type SagaObservation, transition } from './saga-state.js';

const MAX_ID_LENGTH = 255;

/** Starting sagas of one definition (`db.saga(name)`). */
export interface SagaStarter<I> {
  /**
   * Records a new saga (input validated) and returns its id; this process
   * runs it at once when it runs sagas and has room, else any worker's next
   * claim takes it. Starting
   * again with the same `id` starts nothing and returns the id.
   */
  start(input: I, options?: { readonly id?: string }): Promise<string>;
}

/**
 * Sagas as an application and an operator see them (`db.sagas`): start,
 * wait, list, timeline, and the operator's resume, retry and cancel.
 */
export class SagaService {
  readonly #defs: readonly SagaDef[];
  readonly #home: () => HomeStore;
  /** Runs sagas in this process while sync runs (`start`, `stop`). */
  readonly #runner: SagaRunner;

  /** Checks the config's `sagas` and `sagaOptions` (`PS_ERR_INVALID_CONFIG`). */
  constructor(sagas: readonly SagaDef[] | undefined, options: SagaRunnerOptions | undefined, deps: SagaRunnerDeps) {
    const config = readSagaConfig(sagas, options);
    this.#defs = config.defs;
    this.#home = deps.home;
    this.#runner = new SagaRunner(config.defs, deps, config.options);
  }

  /** Starts running sagas here: the ones this process starts, and those whose lease expired. */
  start(): void {
    this.#runner.start();
  }

  /** Stops claiming; the sagas in flight give their lease back at their next step boundary. */
  stop(): Promise<void> {
    return this.#runner.stop();
  }

  /** The newest version of definition `name`: what `start` records. */
  starter<I>(name: string): SagaStarter<I> {
    const versions = this.#defs.filter((d) => d.name === name);
    if (versions.length === 0) {
      throw new PolystoreError('PS_ERR_UNKNOWN_SAGA', `No saga definition is named "${name.slice(0, 64)}"`, {
        field: 'saga',
        fix: `use one of ${[...new Set(this.#defs.map((d) => d.name))].join(', ') || '(none: add sagas to the config)'}`,
      });
    }
    const def = versions.reduce((a, b) => (b.version > a.version ? b : a));
    return { start: (input, options) => this.#start(def, input, options?.id ?? randomUUID()) };
  }

  async #start(def: SagaDef, input: unknown, id: string): Promise<string> {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || id.includes('\u0000')) {
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `A saga id must be 1 to ${MAX_ID_LENGTH} characters`, {
        field: 'id',
        fix: 'pass a shorter id, or none (a UUID is made)',
      });
    }
    const checked = await def.input['~standard'].validate(input);
    if (checked.issues) {
      const first = checked.issues[0];
      throw new PolystoreError(
        'PS_ERR_VALIDATION',
        `The input of saga ${def.name} is invalid: ${first?.message ?? ''}`,
        {
          field: first ? issuePath(first) : '',
          fix: 'pass an input matching the saga input schema',
        },
      );
    }
    // Leased to this process only if it runs it now; else the next claim of any worker takes it.
    const owner = this.#runner.accepting ? this.#runner.newLease() : null;
    if (owner === null && this.#runner.running) this.#runner.claimWhenRoom();
    const saga = {
      id,
      name: def.name,
      version: def.version,
      input: checked.value,
      owner,
      leaseMs: this.#runner.leaseMs,
    };
    const created = await this.#home().sagas.create(saga);
    if (!created) {
      const existing = await this.#home().sagas.get(id);
      if (existing && existing.name !== def.name) {
        throw new PolystoreError('PS_ERR_ALREADY_EXISTS', `A ${existing.name} saga already has the id ${id}`, {
          field: 'id',
          fix: 'pass another id, or none',
        });
      }
      return id;
    }
    if (owner !== null) this.#runner.adopt(created);
    return id;
  }

  /** One saga as the log holds it, or null. */
  get(id: string): Promise<SagaRecord | null> {
    return this.#home().sagas.get(id);
  }

  /**
   * Sagas newest first, filtered by state, definition name, age and error.
   *
   * @example
   * const stuck = await db.sagas.list({ states: ['stuck'] });
   */
  list(filter: SagaFilter = {}): Promise<SagaRecord[]> {
    return this.#home().sagas.list(filter);
  }

  /** A saga's steps and compensations in the order they were first recorded (a step before its compensation). */
  timeline(id: string): Promise<SagaStepRecord[]> {
    return this.#home().sagas.steps(id);
  }

  /**
   * Resolves with the saga once it ended or is stuck (waiting for a person);
   * `PS_ERR_CONSISTENCY_TIMEOUT` after `timeoutMs` (default 30 000).
   *
   * @example
   * const id = await db.saga('order').start(input);
   * const { state } = await db.sagas.wait(id); // 'completed' | 'compensated' | 'stuck' | 'cancelled'
   */
  async wait(id: string, options: { readonly timeoutMs?: number } = {}): Promise<SagaRecord> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    // Ended here while the loop was reading: no sleep then. Else a sleep that its end cuts short.
    let ended = false;
    // The row a settling record here returned: the saga as it ended, with no read.
    let settled: SagaRecord | null = null;
    let nudge: (() => void) | undefined;
    const off = this.#runner.onEnded((done, saga) => {
      if (done !== id) return;
      ended = true;
      settled = saga;
      nudge?.();
    });
    const nap = async (ms: number) => {
      if (!ended) {
        // Woken early, the timer is cleared: a wait never leaves one behind to hold the process open.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, Math.min(ms, deadline - Date.now())));
          nudge = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      ended = false;
    };
    try {
      // Driven here: however its driving ends (settled, lost, released), it is heard, so the first read waits for that.
      if (this.#runner.drives(id)) await nap(Number.POSITIVE_INFINITY);
      for (;;) {
        const saga = settled ?? (await this.get(id));
        settled = null;
        if (!saga) throw unknownSaga(id);
        if (isFinal(saga.state) || saga.state === 'stuck') return saga;
        if (Date.now() >= deadline) {
          throw new PolystoreError('PS_ERR_CONSISTENCY_TIMEOUT', `Saga ${id} is still ${saga.state}`, {
            fix: 'wait longer, or look at its timeline (db.sagas.timeline(id))',
            details: { state: saga.state },
          });
        }
        await nap(100);
      }
    } finally {
      off();
    }
  }

  /** Drops the saga's lease so that a worker takes it now (running or compensating). */
  resume(id: string): Promise<SagaRecord> {
    return this.#operate(id, { kind: 'resume' });
  }

  /** Runs the compensations of a stuck saga again (or, stuck past its pivot, the failed step). */
  retryCompensation(id: string): Promise<SagaRecord> {
    return this.#operate(id, { kind: 'retry-compensation' });
  }

  /** Cancels a saga: a running one compensates what it did and ends `cancelled`; a stuck one ends `cancelled` as is. */
  cancel(id: string): Promise<SagaRecord> {
    return this.#operate(id, { kind: 'cancel' });
  }

  stats(): SagaRunnerStats {
    return this.#runner.stats();
  }

  async #operate(id: string, observation: SagaObservation): Promise<SagaRecord> {
    const saga = await this.get(id);
    if (!saga) throw unknownSaga(id);
    const def = this.#defs.find((d) => d.name === saga.name && d.version === saga.version);
    if (!def) {
      throw new PolystoreError(
        'PS_ERR_SAGA_UNKNOWN_VERSION',
        `Saga ${id} is version ${saga.version} of ${saga.name}, not known here`,
        {
          fix: `act on it from a process with version ${saga.version} of ${saga.name}`,
          details: { name: saga.name, version: saga.version },
        },
      );
    }
    const { progress } = progressOf(saga, await this.timeline(id));
    const after = transition(progress, observation, Date.now(), policyOf(def));
    const changed = await this.#home().sagas.override({
      sagaId: id,
      from: [saga.state],
      state: after.state,
      cancelling: after.cancelling,
      error: after.error,
    });
    if (!changed) {
      throw new PolystoreError('PS_ERR_SAGA_STATE', `Saga ${id} changed state while the operator action ran`, {
        fix: 'read it again (db.sagas.get(id)) and retry the action',
      });
    }
    return (await this.get(id))!;
  }
}

function unknownSaga(id: string): PolystoreError {
  return new PolystoreError('PS_ERR_UNKNOWN_SAGA', `No saga has the id ${id.slice(0, 64)}`, {
    field: 'id',
    fix: 'list sagas (db.sagas.list()) for their ids',
  });
}
