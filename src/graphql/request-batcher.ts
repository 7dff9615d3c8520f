/**
 * Collects the keys asked for while one GraphQL request resolves a level of
 * its tree and loads them with one call (the DataLoader pattern): sibling
 * resolvers each ask for one key, the batch function sees them all. A batch
 * is sent once every pending promise of the current turn has settled
 * (`setImmediate`), so a list of N parents costs one store call, not N.
 * Each key is loaded once per batcher: make one batcher per request.
 */
export class RequestBatcher<K, V> {
  readonly #cache = new Map<K, Promise<V>>();
  #queue: { key: K; resolve: (value: V) => void; reject: (err: unknown) => void }[] = [];

  /** `load(keys)` answers one value per key, in the order of `keys`. */
  constructor(private readonly loadBatch: (keys: readonly K[]) => Promise<readonly V[]>) {}

  load(key: K): Promise<V> {
    const known = this.#cache.get(key);
    if (known) return known;
    const pending = new Promise<V>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.#flush());
      this.#queue.push({ key, resolve, reject });
    });
    this.#cache.set(key, pending);
    return pending;
  }

  loadMany(keys: readonly K[]): Promise<V[]> {
    return Promise.all(keys.map((key) => this.load(key)));
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.loadBatch(queue.map((entry) => entry.key)).then(
      (values) => {
        queue.forEach((entry, i) => {
          entry.resolve(values[i] as V);
        });
      },
      (err: unknown) => {
        for (const entry of queue) {
          // A failed batch is not remembered: a later request may succeed.
          this.#cache.delete(entry.key);
          entry.reject(err);
        }
      },
    );
  }
}
