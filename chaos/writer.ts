import type { EntityClient } from '../src/index.js';
import { isPolystoreError } from '../src/index.js';
import { describeError } from '../src/runtime/logger.js';
import type { Item, Note } from './deployment.js';
import { sleep } from './servers.js';
import type { Lane, Ledger, Op } from './workload.js';

/** The entity calls a transaction scope offers (the part of `db.transaction`'s `tx` this harness uses). */
interface TxEntity<T> {
  create(input: T): Promise<{ $version: number }>;
  update(id: string, patch: Partial<T>, options?: { expectedVersion?: number }): Promise<{ $version: number }>;
}

/** What `db.transaction(async (tx) => ...)` hands its callback: entity clients writing in one home transaction. */
export interface TransactionScope {
  entity(name: 'items'): TxEntity<Item>;
  entity(name: 'notes'): TxEntity<Note>;
}

/** `db.transaction`, when the Polystore instance has it. */
export type TransactionRunner = <R>(fn: (tx: TransactionScope) => Promise<R>) => Promise<R>;

/** `db.transaction` bound to `db`, or undefined when this build of Polystore has none. */
export function transactionRunner(db: object): TransactionRunner | undefined {
  const transaction = (db as { transaction?: unknown }).transaction;
  return typeof transaction === 'function' ? (transaction.bind(db) as TransactionRunner) : undefined;
}

/** The clients the writer writes through. */
export interface WriterClients {
  readonly items: EntityClient<Item>;
  readonly notes: EntityClient<Note>;
  /** Absent: no transaction ops are generated. */
  readonly transaction?: TransactionRunner;
}

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
    private readonly clients: WriterClients,
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
        this.#commit(op, outcome.versions);
        return;
      }
      // The home refused a write the ledger says is valid: the two disagree.
      if (refused) throw new Error(`${describeOp(op)} was refused (${describeError(failure)}) and did not commit`);
      if (Date.now() - started > GIVE_UP_MS)
        throw new Error(`${describeOp(op)} kept failing for ${GIVE_UP_MS} ms: ${describeError(failure)}`);
      this.stats.retried++;
      await sleep(100);
    }
  }

  /** Runs the write; resolves the versions it gave its keys (items first, then the note). */
  async #write(op: Op): Promise<number[]> {
    const { items } = this.clients;
    switch (op.kind) {
      case 'create':
        return [(await items.create(op.record)).$version];
      case 'update':
        return [(await items.update(op.key, op.patch, { expectedVersion: op.expectedVersion })).$version];
      case 'delete':
        return [(await items.delete(op.key, { expectedVersion: op.expectedVersion })).$version];
      case 'createMany':
        return (await items.createMany(op.records)).map((record) => record.$version);
      case 'transaction': {
        const { item, note } = op;
        return this.clients.transaction!(async (tx) => {
          const updated = await tx
            .entity('items')
            .update(item.key, item.patch, { expectedVersion: item.expectedVersion });
          const { id: _id, ...patch } = note.record;
          const written =
            note.expectedVersion === 0
              ? await tx.entity('notes').create(note.record)
              : await tx.entity('notes').update(note.key, patch, { expectedVersion: note.expectedVersion });
          return [updated.$version, written.$version];
        });
      }
    }
  }

  /** Reads the home (retrying while it is down) to tell whether `op` committed. */
  async #resolve(op: Op, started: number): Promise<{ committed: boolean; versions?: number[] }> {
    for (;;) {
      try {
        return await this.#landed(op);
      } catch (err) {
        if (Date.now() - started > GIVE_UP_MS)
          throw new Error(`could not read ${describeOp(op)} from the home for ${GIVE_UP_MS} ms: ${describeError(err)}`);
        await sleep(200);
      }
    }
  }

  /** Whether the home holds what `op` wrote (only its lane writes its keys, so nothing else could have). */
  async #landed(op: Op): Promise<{ committed: boolean; versions?: number[] }> {
    const { items, notes } = this.clients;
    const strong = { consistency: 'strong' } as const;
    switch (op.kind) {
      case 'create':
      case 'update':
      case 'delete': {
        const row = await items.get(op.key, strong);
        const before = this.ledger.state(op.key);
        if (op.kind === 'delete') return { committed: row === null };
        const rev = op.kind === 'create' ? op.record.rev : op.patch.rev;
        if (row?.rev === rev) return { committed: true, versions: [row.$version] };
        if (op.kind === 'create' && row !== null)
          this.#mismatch(`${show(op.key)} holds rev ${row.rev}, though the ledger has it deleted`);
        if (op.kind === 'update' && (row?.rev !== before?.rev || row?.$version !== before?.version))
          this.#mismatch(
            `${show(op.key)} holds rev ${row?.rev} v${row?.$version}, not rev ${before?.rev} v${before?.version}`,
          );
        return { committed: false };
      }
      case 'createMany': {
        const rows = await items.getMany(
          op.records.map((r) => r.id),
          strong,
        );
        const landed = rows.map((row, i) => row?.rev === op.records[i]!.rev);
        if (landed.some((l) => l !== landed[0])) this.#mismatch(`a createMany of ${rows.length} landed in part`);
        return landed[0] ? { committed: true, versions: rows.map((row) => row?.$version ?? 0) } : { committed: false };
      }
      case 'transaction': {
        const item = await items.get(op.item.key, strong);
        const note = await notes.get(op.note.key, strong);
        const itemLanded = item?.rev === op.item.patch.rev;
        if (itemLanded !== (note?.rev === op.note.record.rev))
          this.#mismatch(`a transaction landed half: ${show(op.item.key)} ${itemLanded ? 'written' : 'not written'}`);
        return itemLanded ? { committed: true, versions: [item!.$version, note?.$version ?? 0] } : { committed: false };
      }
    }
  }

  #commit(op: Op, versions: readonly number[] | undefined): void {
    const expected = this.#expectedVersions(op);
    expected.forEach((want, i) => {
      const got = versions?.[i];
      if (got !== undefined && got !== want)
        this.#mismatch(`${op.kind} ${show(this.#keysOf(op)[i]!)} gave v${got}, the ledger expects v${want}`);
    });
    this.ledger.commit(op);
  }

  #keysOf(op: Op): string[] {
    if (op.kind === 'createMany') return op.records.map((r) => r.id);
    if (op.kind === 'transaction') return [op.item.key, op.note.key];
    return [op.key];
  }

  #expectedVersions(op: Op): number[] {
    const next = (key: string) => (this.ledger.state(key)?.version ?? 0) + 1;
    if (op.kind === 'createMany') return op.records.map((r) => next(r.id));
    if (op.kind === 'transaction') return [next(op.item.key), (this.ledger.notes.get(op.note.key)?.version ?? 0) + 1];
    return [next(op.key)];
  }

  #mismatch(what: string): void {
    this.stats.versionMismatches++;
    if (this.mismatches.length < 10) this.mismatches.push(what);
  }
}

/** An id as a report line can show it (newlines and tabs escaped, long ids cut). */
export function show(key: string): string {
  const text = JSON.stringify(key);
  return text.length > 60 ? `${text.slice(0, 40)}…(${key.length} chars)` : text;
}

function describeOp(op: Op): string {
  if (op.kind === 'createMany') return `createMany of ${op.records.map((r) => show(r.id)).join(', ')}`;
  if (op.kind === 'transaction') return `transaction of ${show(op.item.key)} and note ${show(op.note.key)}`;
  return `${op.kind} ${show(op.key)}`;
}
