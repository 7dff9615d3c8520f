import type { Item } from './deployment.js';
import { derive, type Random } from './random.js';

/** One write; `rev` is unique across the run, so reading the home tells whether a write landed. */
export type Op =
  | { readonly kind: 'create'; readonly key: string; readonly record: Item }
  | {
      readonly kind: 'update';
      readonly key: string;
      readonly patch: Pick<Item, 'name' | 'rev' | 'qty'>;
      readonly expectedVersion: number;
    }
  | { readonly kind: 'delete'; readonly key: string; readonly expectedVersion: number };

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
 * the home to hold. A write whose outcome was unknown enters it only once
 * reading the home showed that it committed.
 */
export class Ledger {
  readonly keys = new Map<string, KeyState>();
  readonly counts = { create: 0, update: 0, delete: 0, poison: 0 };

  state(key: string): KeyState | undefined {
    return this.keys.get(key);
  }

  commit(op: Op): void {
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

  get committed(): number {
    return this.counts.create + this.counts.update + this.counts.delete;
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
}

/**
 * One writer lane's deterministic stream of writes over the keys it owns (no
 * other lane touches them, so its writes to a key are serial): half the writes
 * go to a few hot keys, the rest spread over many cold ones; a live key is
 * updated or, now and then, deleted; a deleted one is created again (its
 * version continues). Its poison records are created early, once, and never
 * touched again, so each is exactly one event the search view must refuse.
 */
export class Lane {
  readonly #random: Random;
  readonly #hot: string[] = [];
  readonly #cold: string[] = [];
  readonly #poison: string[] = [];
  #n = 0;

  constructor(
    readonly index: number,
    private readonly shape: WorkloadShape,
    seed: number,
    private readonly ledger: Ledger,
  ) {
    this.#random = derive(seed, `lane-${index}`);
    for (let i = index; i < shape.hotKeys; i += shape.lanes) this.#hot.push(`h${i}`);
    for (let i = index; i < shape.coldKeys; i += shape.lanes) this.#cold.push(`c${i}`);
    for (let i = index; i < shape.poison; i += shape.lanes) this.#poison.push(`p${i}`);
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
    const keys = this.#hot.length > 0 && this.#random() < 0.5 ? this.#hot : this.#cold;
    const key = keys[Math.floor(this.#random() * keys.length)]!;
    const state = this.ledger.state(key);
    const name = `item ${key} rev ${rev}`;
    const qty = Math.floor(this.#random() * 1000);
    if (!state?.live) return { kind: 'create', key, record: { id: key, name, rev, qty, poison: false } };
    if (this.#random() < 0.12) return { kind: 'delete', key, expectedVersion: state.version };
    return { kind: 'update', key, patch: { name, rev, qty }, expectedVersion: state.version };
  }
}
