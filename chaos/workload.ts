import type { Item, Note } from './deployment.js';
import { derive, type Random } from './random.js';

export type CreateOp = { readonly kind: 'create'; readonly key: string; readonly record: Item };
export type UpdateOp = {
  readonly kind: 'update';
  readonly key: string;
  readonly patch: Pick<Item, 'name' | 'rev' | 'qty'>;
  readonly expectedVersion: number;
};
export type DeleteOp = { readonly kind: 'delete'; readonly key: string; readonly expectedVersion: number };
/** A note written in the same transaction as an item update: created when `expectedVersion` is 0. */
export type NoteWrite = { readonly key: string; readonly record: Note; readonly expectedVersion: number };

/** One write; every `rev` is unique across the run, so reading the home tells whether a write landed. */
export type Op =
  | CreateOp
  | UpdateOp
  | DeleteOp
  /** Several new items in one `createMany`: all or none. */
  | { readonly kind: 'createMany'; readonly records: readonly Item[] }
  /** An item update and a note write in one `db.transaction`: both or neither. */
  | { readonly kind: 'transaction'; readonly item: UpdateOp; readonly note: NoteWrite };

/** What the writer knows a key holds in the home after its committed writes. */
export interface KeyState {
  /** Every committed write (create, update, delete) moves a key's version up by one. */
  version: number;
  live: boolean;
  /** `rev` of the write the key holds (its last create or update). */
  rev: number;
  poison: boolean;
}

/**
 * Every write the home committed, key by key: the truth the writer expects
 * the home to hold (items in `keys`, notes in `notes`). A write whose outcome
 * was unknown enters it only once reading the home showed that it committed.
 */
export class Ledger {
  readonly keys = new Map<string, KeyState>();
  readonly notes = new Map<string, KeyState>();
  readonly counts = { create: 0, update: 0, delete: 0, poison: 0, batches: 0, batched: 0, transactions: 0 };

  state(key: string): KeyState | undefined {
    return this.keys.get(key);
  }

  commit(op: Op): void {
    switch (op.kind) {
      case 'createMany':
        for (const record of op.records) this.#item({ kind: 'create', key: record.id, record });
        this.counts.batches++;
        this.counts.batched += op.records.length;
        return;
      case 'transaction': {
        this.#item(op.item);
        const note = this.notes.get(op.note.key) ?? { version: 0, live: true, rev: 0, poison: false };
        note.version++;
        note.rev = op.note.record.rev;
        this.notes.set(op.note.key, note);
        this.counts.transactions++;
        return;
      }
      default:
        this.#item(op);
    }
  }

  #item(op: CreateOp | UpdateOp | DeleteOp): void {
    const state = this.keys.get(op.key) ?? { version: 0, live: false, rev: 0, poison: false };
    state.version++;
    if (op.kind === 'delete') {
      state.live = false;
    } else {
      state.live = true;
      state.rev = op.kind === 'create' ? op.record.rev : op.patch.rev;
      if (op.kind === 'create') state.poison = op.record.poison;
    }
    this.keys.set(op.key, state);
    this.counts[op.kind]++;
    if (op.kind === 'create' && op.record.poison) this.counts.poison++;
  }

  /** Item writes committed (a batch counts each record, a transaction its item and its note). */
  get committed(): number {
    return this.counts.create + this.counts.update + this.counts.delete + this.counts.transactions;
  }

  poisonKeys(): string[] {
    return [...this.keys].filter(([, s]) => s.poison).map(([key]) => key);
  }
}

export interface WorkloadShape {
  readonly lanes: number;
  readonly hotKeys: number;
  readonly coldKeys: number;
  readonly poison: number;
  /** Every this many writes of a lane, a `createMany` of 2 to 5 new items. */
  readonly batchEvery: number;
  /** Every this many writes of a lane, an item and a note in one transaction (0: never). */
  readonly transactionEvery: number;
  /** Notes each lane writes in its transactions. */
  readonly notesPerLane: number;
}

/**
 * The id of the `i`-th key of a family: most are plain; some carry what a log,
 * a key-value store or a line-based file could mangle (a newline, spaces,
 * unicode and characters reserved in subjects and keys, 300 bytes).
 */
export function keyName(family: string, i: number): string {
  switch (i % 10) {
    case 3:
      return `${family}${i} a\nb`;
    case 5:
      return ` ${family}${i} with  spaces `;
    case 7:
      return `${family}${i} ü/é:*>.@"'\t`;
    case 9:
      return `${family}${i}-`.padEnd(300, 'x');
    default:
      return `${family}${i}`;
  }
}

/**
 * One writer lane's deterministic stream of writes over the keys it owns (no
 * other lane touches them, so its writes to a key are serial): half the writes
 * go to a few hot keys, the rest spread over many cold ones; a live key is
 * updated or, now and then, deleted; a deleted one is created again (its
 * version continues). Now and then a `createMany` brings new keys (cold from
 * then on), and, when transactions exist, an item update and a note write
 * commit together. Its poison records are created early, once, and never
 * touched again, so each is exactly one event the search view must refuse.
 */
export class Lane {
  readonly #random: Random;
  readonly #hot: string[] = [];
  readonly #cold: string[] = [];
  readonly #poison: string[] = [];
  readonly #notes: string[] = [];
  #n = 0;

  constructor(
    readonly index: number,
    private readonly shape: WorkloadShape,
    seed: number,
    private readonly ledger: Ledger,
  ) {
    this.#random = derive(seed, `lane-${index}`);
    for (let i = index; i < shape.hotKeys; i += shape.lanes) this.#hot.push(keyName('h', i));
    for (let i = index; i < shape.coldKeys; i += shape.lanes) this.#cold.push(keyName('c', i));
    for (let i = index; i < shape.poison; i += shape.lanes) this.#poison.push(`p${i}`);
    for (let i = 0; i < shape.notesPerLane; i++) this.#notes.push(keyName(`n${index}.`, i));
  }

  /** True once every poison record of this lane is written. */
  get poisonDone(): boolean {
    return this.#poison.length === 0;
  }

  /** The next write; call again only after the previous one committed. */
  next(): Op {
    const n = this.#n++;
    const rev = n * this.shape.lanes + this.index + 1;
    if (n >= 10 && n % 20 === 0 && this.#poison.length > 0) {
      const key = this.#poison.shift()!;
      return { kind: 'create', key, record: { id: key, name: `poison ${key}`, rev, qty: 0, poison: true } };
    }
    const every = this.shape.transactionEvery;
    if (every > 0 && n % every === every - 1) {
      const transaction = this.#transaction(rev);
      if (transaction) return transaction;
    }
    if (n % this.shape.batchEvery === this.shape.batchEvery - 1) return this.#batch(n, rev);
    const keys = this.#hot.length > 0 && this.#random() < 0.5 ? this.#hot : this.#cold;
    const key = keys[Math.floor(this.#random() * keys.length)]!;
    const state = this.ledger.state(key);
    const name = `item ${key} rev ${rev}`;
    const qty = Math.floor(this.#random() * 1000);
    if (!state?.live) return { kind: 'create', key, record: { id: key, name, rev, qty, poison: false } };
    if (this.#random() < 0.12) return { kind: 'delete', key, expectedVersion: state.version };
    return { kind: 'update', key, patch: { name, rev, qty }, expectedVersion: state.version };
  }

  /** 2 to 5 new keys, one of them odd; they join the cold keys once written. */
  #batch(n: number, rev: number): Op {
    const size = 2 + Math.floor(this.#random() * 4);
    const records = Array.from({ length: size }, (_, j): Item => {
      const key = keyName(`m${this.index}.${n}.`, j * 3);
      // Unique across the run: lane revs stay far below this range.
      const itemRev = 100_000_000 + rev * 8 + j;
      return { id: key, name: `batch ${key} rev ${itemRev}`, rev: itemRev, qty: j, poison: false };
    });
    this.#cold.push(...records.map((r) => r.id));
    return { kind: 'createMany', records };
  }

  /** An update of a live item of this lane and a write of one of its notes, sharing one rev. */
  #transaction(rev: number): Op | null {
    const live = [...this.#hot, ...this.#cold].filter((key) => this.ledger.state(key)?.live === true);
    if (live.length === 0) return null;
    const key = live[Math.floor(this.#random() * live.length)]!;
    const noteKey = this.#notes[Math.floor(this.#random() * this.#notes.length)]!;
    const item: UpdateOp = {
      kind: 'update',
      key,
      patch: { name: `item ${key} rev ${rev} (transaction)`, rev, qty: rev % 1000 },
      expectedVersion: this.ledger.state(key)!.version,
    };
    const note: NoteWrite = {
      key: noteKey,
      record: { id: noteKey, item: key, rev, text: `written with ${key} at rev ${rev}` },
      expectedVersion: this.ledger.notes.get(noteKey)?.version ?? 0,
    };
    return { kind: 'transaction', item, note };
  }
}
