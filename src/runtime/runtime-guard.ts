import { PolystoreError } from '../errors/index.js';

/** How long a fair guard runs operations back to back before it lets other callbacks in. */
export const FAIR_SLICE_MS = 2;

/**
 * Wraps an adapter's lifecycle: opens once (a failed open is retried on the
 * next call), refuses use after `close()` with a coded error, and optionally
 * serialises every operation for single-connection engines such as PGlite.
 *
 * @example
 * const guard = new RuntimeGuard('lmdb', () => open(path), (db) => db.close());
 * const value = await guard.run((db) => db.get(key));
 */
export class RuntimeGuard<C> {
  #opening: Promise<C> | undefined;
  #client: C | undefined;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();
  /** When the serialised queue last let the event loop run (performance.now()). */
  #lastYield = 0;

  constructor(
    private readonly driver: string,
    private readonly open: () => Promise<C>,
    private readonly release: (client: C) => Promise<void>,
    private readonly options: {
      serialize?: boolean;
      /**
       * Yield to the event loop between serialised operations once they have
       * run back to back for {@link FAIR_SLICE_MS}. An engine that runs on the
       * main thread (PGlite's WASM) otherwise chains its promise continuations
       * and starves I/O callbacks of every other store in the process; a yield
       * per operation would cost more than a short operation itself.
       */
      fair?: boolean;
    } = {},
  ) {}

  get isOpen(): boolean {
    return this.#client !== undefined && !this.#closed;
  }

  /** Opens the client if needed and returns it. */
  async client(): Promise<C> {
    if (this.#closed) throw this.#closedError();
    if (this.#client !== undefined) return this.#client;
    this.#opening ??= this.open().then(
      (client) => {
        this.#client = client;
        return client;
      },
      (err: unknown) => {
        this.#opening = undefined;
        throw err;
      },
    );
    return this.#opening;
  }

  /**
   * The client if it is already open, without waiting (undefined before the
   * first open completes), for synchronous fast paths of embedded engines.
   * Throws `PS_ERR_STORE_CLOSED` after close, as `client()` rejects.
   */
  current(): C | undefined {
    if (this.#closed) throw this.#closedError();
    return this.options.serialize ? undefined : this.#client;
  }

  /** Runs `fn` with the open client, one at a time when the guard serialises. */
  async run<R>(fn: (client: C) => Promise<R>): Promise<R> {
    if (!this.options.serialize) return fn(await this.client());
    const task = this.#queue.then(async () => {
      if (this.options.fair && performance.now() - this.#lastYield >= FAIR_SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.#lastYield = performance.now();
      }
      return fn(await this.client());
    });
    this.#queue = task.catch(() => undefined);
    return task;
  }

  /**
   * Releases `client` so that the next call opens a fresh one, for engines
   * whose in-memory state a failed operation can leave unusable. Called from
   * inside `run`, so that on a serialising guard nothing else uses it meanwhile.
   */
  async discard(client: C): Promise<void> {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#opening = undefined;
    await this.release(client);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    const client = this.#client ?? (this.#opening ? await this.#opening.catch(() => undefined) : undefined);
    this.#client = undefined;
    if (client !== undefined) await this.release(client);
  }

  #closedError(): PolystoreError {
    return new PolystoreError('PS_ERR_STORE_CLOSED', `The ${this.driver} store was used after close()`, {
      fix: 'create a new store instance, or stop calling it once the application shuts down',
    });
  }
}
