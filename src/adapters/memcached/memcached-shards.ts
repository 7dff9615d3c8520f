import { hash } from 'node:crypto';
import { type PolystoreError, wrapStoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';
import type { ResolvedMemcachedOptions } from './memcached-options.js';

/** The few `memcache-client` calls the store makes (values are always strings). */
export interface MemcacheClientLike {
  gets(keys: string[]): Promise<Record<string, { value: unknown; casUniq: string | number }>>;
  set(key: string, value: string, options: { lifetime: number }): Promise<string[]>;
  add(key: string, value: string, options: { lifetime: number }): Promise<string[]>;
  cas(key: string, value: string, options: { casUniq: string | number; lifetime: number }): Promise<string[]>;
  delete(key: string): Promise<string[]>;
  version(): Promise<string[]>;
  shutdown(): void;
}

/** An entry as read with its CAS token. */
export interface CasRead {
  readonly text: string;
  readonly cas: string | number;
}

/** Keys per `gets` command: keeps each request line short. */
const KEYS_PER_GET = 100;
/** Replies that are outcomes of a conditional write, not failures. */
const OUTCOMES = new Set(['EXISTS', 'NOT_STORED', 'NOT_FOUND']);

/**
 * One client per server; each key is owned by one server, picked by
 * rendezvous hashing (the server with the highest md5 of server + key).
 */
export class MemcachedShards {
  private constructor(
    private readonly clients: readonly MemcacheClientLike[],
    private readonly servers: readonly string[],
  ) {}

  static async open(options: ResolvedMemcachedOptions): Promise<MemcachedShards> {
    const driver = await importDriver('memcache-client', () => import('memcache-client'));
    const clients = options.servers.map(
      (server) =>
        new driver.MemcacheClient({
          server,
          cmdTimeout: options.commandTimeoutMs,
          connectTimeout: options.commandTimeoutMs,
        }) as unknown as MemcacheClientLike,
    );
    const shards = new MemcachedShards(clients, options.servers);
    try {
      await Promise.all(clients.map((client, i) => shards.#call(i, 'connecting', () => client.version())));
    } catch (err) {
      shards.close();
      throw err;
    }
    return shards;
  }

  close(): void {
    for (const client of this.clients) client.shutdown();
  }

  /** Each key's entry with its CAS token (absent keys left out). */
  async gets(keys: readonly string[]): Promise<Map<string, CasRead>> {
    const out = new Map<string, CasRead>();
    const reads: Promise<void>[] = [];
    for (const [shard, owned] of this.#byShard(keys))
      for (let i = 0; i < owned.length; i += KEYS_PER_GET) {
        const chunk = owned.slice(i, i + KEYS_PER_GET);
        reads.push(
          this.#call(shard, 'reading', () => this.clients[shard]!.gets(chunk)).then((found) => {
            for (const [key, entry] of Object.entries(found))
              if (typeof entry.value === 'string') out.set(key, { text: entry.value, cas: entry.casUniq });
          }),
        );
      }
    await Promise.all(reads);
    return out;
  }

  set(key: string, text: string, lifetime: number): Promise<void> {
    const shard = this.#shardOf(key);
    return this.#call(shard, 'writing', () => this.clients[shard]!.set(key, text, { lifetime })).then(() => {});
  }

  /** Stores `text` only when the key is absent; false when it exists. */
  add(key: string, text: string, lifetime: number): Promise<boolean> {
    const shard = this.#shardOf(key);
    return this.#conditional(shard, () => this.clients[shard]!.add(key, text, { lifetime }));
  }

  /** Stores `text` only when the entry still has token `cas`; false when it changed or vanished. */
  cas(key: string, text: string, cas: string | number, lifetime: number): Promise<boolean> {
    const shard = this.#shardOf(key);
    return this.#conditional(shard, () => this.clients[shard]!.cas(key, text, { casUniq: cas, lifetime }));
  }

  /** False when the key was absent. */
  delete(key: string): Promise<boolean> {
    const shard = this.#shardOf(key);
    return this.#conditional(shard, () => this.clients[shard]!.delete(key));
  }

  #conditional(shard: number, write: () => Promise<string[]>): Promise<boolean> {
    return this.#call(shard, 'writing', () =>
      write().then(
        () => true,
        (err: unknown) => {
          if (err instanceof Error && OUTCOMES.has(err.message)) return false;
          throw err;
        },
      ),
    );
  }

  #shardOf(key: string): number {
    if (this.servers.length === 1) return 0;
    let best = 0;
    let bestScore = '';
    this.servers.forEach((server, i) => {
      const score = hash('md5', `${server}\n${key}`, 'hex');
      if (score > bestScore) [best, bestScore] = [i, score];
    });
    return best;
  }

  #byShard(keys: readonly string[]): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const key of new Set(keys)) {
      const shard = this.#shardOf(key);
      const owned = out.get(shard);
      if (owned) owned.push(key);
      else out.set(shard, [key]);
    }
    return out;
  }

  async #call<R>(shard: number, action: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (err) {
      throw storeError(err, this.servers[shard]!, action);
    }
  }
}

/** A server's refusal (`SERVER_ERROR ...`, `CLIENT_ERROR ...`) is a query error; anything else means it is unreachable. */
function storeError(err: unknown, server: string, action: string): PolystoreError {
  const reply = err instanceof Error ? err.message : '';
  if (/^(SERVER_ERROR|CLIENT_ERROR|ERROR)\b/.test(reply))
    return wrapStoreError(
      err,
      'PS_ERR_STORE_QUERY',
      `The memcached server at ${server} refused a command while ${action}`,
      {
        fix: 'values must fit the server item size limit (-I, 1 MB by default)',
      },
    );
  return wrapStoreError(
    err,
    'PS_ERR_STORE_UNAVAILABLE',
    `The memcached server at ${server} is unavailable while ${action}`,
    {
      fix: 'check that the server is running and reachable; the call can be retried',
    },
  );
}
