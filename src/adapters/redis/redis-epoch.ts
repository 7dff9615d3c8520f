import { randomUUID } from 'node:crypto';
import type { DataLoss } from '../../contracts/view-store.js';

/**
 * The marker key (`<keyPrefix>:epoch`) tells whether a Redis store still
 * holds what was written to it. A Redis without persistence forgets every key
 * on restart, and a view cannot tell a key it never had from one it lost; the
 * marker is forgotten with them:
 *
 * - `ok:<id>`: the store's views are complete (rebuilt after loss `id`);
 * - `rebuilding:<id>`: loss `id` was found; its rebuild from the home has not
 *   been recorded as finished (it may be running, or its process crashed);
 * - absent: the data is gone, or nobody ever watched this prefix.
 *
 * The marker is read atomically with every apply (apply-if-newer.lua), so the
 * first write into an emptied server reveals the loss; `begin-rebuild.lua` and
 * `finish-rebuild.lua` move it between states. Only the last step, setting
 * `ok:`, needs the whole rebuild to have happened, so a crash mid-rebuild leaves
 * `rebuilding:` behind and the next watcher rebuilds again.
 */
export interface EpochMarkerIo {
  /** GET of the marker ("" when absent). */
  read(): Promise<Stamped>;
  /** begin-rebuild.lua: the marker afterwards. */
  begin(id: string): Promise<Stamped>;
  /** finish-rebuild.lua: the marker afterwards. */
  finish(id: string): Promise<Stamped>;
}

/** A marker value and the ticket taken when the command that read it was sent. */
export interface Stamped {
  readonly ticket: number;
  readonly value: string;
}

const OK = 'ok:';
const REBUILDING = 'rebuilding:';

/**
 * Follows one store's marker from the values its commands read, and reports
 * each loss to the listeners. Commands on one connection run in the order they
 * are sent, so each command takes a ticket (`ticket()`) as it is sent: a value
 * older than the last one acted on is stale (read before a transition that
 * changed the marker) and is ignored. Nothing is read or written until a
 * listener subscribes.
 */
export class EpochWatch {
  readonly #listeners = new Set<(loss: DataLoss) => void>();
  /** The marker value last acted on, and the ticket of the command that read or set it. */
  #known: string | undefined;
  #knownTicket = -1;
  #tickets = 0;
  /** A marker transition in flight; observations wait for it. */
  #pending: Promise<unknown> | undefined;

  constructor(private readonly io: EpochMarkerIo) {}

  get watching(): boolean {
    return this.#listeners.size > 0;
  }

  /** Adds a listener; a loss already found and not yet rebuilt is reported to it at once. */
  subscribe(listener: (loss: DataLoss) => void): () => void {
    this.#listeners.add(listener);
    if (this.#known?.startsWith(REBUILDING)) listener(this.#loss(this.#known.slice(REBUILDING.length)));
    return () => this.#listeners.delete(listener);
  }

  /** Call synchronously right before sending a command whose reply carries the marker. */
  ticket(): number {
    return this.#tickets++;
  }

  /** Reads the marker now (when the watch starts, or the store opens). */
  async check(): Promise<void> {
    if (this.watching) await this.observe(await this.io.read());
  }

  /**
   * Acts on a marker value a command read. Resolves once the listeners have
   * heard of a loss it reveals, so a caller that reads the view afterwards
   * sees the loss reported first.
   */
  async observe({ ticket, value }: Stamped): Promise<void> {
    while (this.#pending) await this.#pending;
    if (!this.watching || ticket < this.#knownTicket) return;
    if (value === '') {
      // The data is gone: record a new loss (or join one another process recorded first).
      await this.#transition(() => this.io.begin(randomUUID()));
      return;
    }
    this.#accept(ticket, value);
  }

  /** Takes `value` as the marker's state, reporting the loss it shows, if any. */
  #accept(ticket: number, value: string): void {
    const known = this.#known;
    this.#knownTicket = ticket;
    if (value === known) return;
    this.#known = value;
    // A first look finds the views complete, or the rebuild this process knew of is recorded as done.
    if (value.startsWith(OK) && (known === undefined || known === REBUILDING + value.slice(OK.length))) return;
    // A loss: found by this process just now, or by another one (still rebuilding, or rebuilt already).
    const loss = this.#loss(value.startsWith(OK) ? value.slice(OK.length) : value.slice(REBUILDING.length));
    for (const listener of this.#listeners) {
      try {
        listener(loss);
      } catch {
        // One listener's failure must not hide the loss from the others.
      }
    }
  }

  /** Runs one marker transition at a time, then acts on the value it leaves (a gone marker is a new loss). */
  async #transition(run: () => Promise<Stamped>): Promise<string> {
    while (this.#pending) await this.#pending;
    const running = run();
    this.#pending = running.catch(() => undefined);
    let result: Stamped;
    try {
      result = await running;
    } finally {
      this.#pending = undefined;
    }
    if (result.value === '') return this.#transition(() => this.io.begin(randomUUID()));
    if (result.ticket > this.#knownTicket) this.#accept(result.ticket, result.value);
    return result.value;
  }

  #loss(id: string): DataLoss {
    return {
      id,
      rebuilt: async () => (await this.#transition(() => this.io.finish(id))) === OK + id,
    };
  }
}
