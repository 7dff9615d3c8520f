import type { KeyValueStore } from '../contracts/key-value-store.js';
import { PolystoreError } from '../errors/index.js';
import type { KeyspaceDef } from '../model/define-keyspace.js';
import { issuePath } from '../model/standard-schema.js';

const KEY = /^[A-Za-z0-9_.:@-]{1,256}$/;

/**
 * Schema-checked values in a key-value store with a TTL (carts, sessions).
 *
 * @example
 * const carts = db.keyspace('carts');
 * await carts.set('u1', { items: [{ productId: 'p1', qty: 2 }] });
 * const cart = await carts.get('u1');
 */
export class KeyspaceClient<T> {
  constructor(
    private readonly def: KeyspaceDef<string, T>,
    private readonly store: KeyValueStore,
    private readonly maxPayloadBytes: number,
  ) {}

  get(key: string): Promise<T | null> {
    return this.store.get<T>(this.#key(key));
  }

  /** Validates and stores `value`; `ttlMs` overrides the keyspace default. */
  async set(key: string, value: T, options: { ttlMs?: number } = {}): Promise<T> {
    const storeKey = this.#key(key);
    const bytes = Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
    const limit = this.def.maxPayloadBytes ?? this.maxPayloadBytes;
    if (bytes > limit) {
      throw new PolystoreError(
        'PS_ERR_PAYLOAD_TOO_LARGE',
        `A ${this.def.name} value is ${bytes} bytes, over the ${limit}-byte limit`,
        {
          field: this.def.name,
          fix: 'store less in one key, or raise maxPayloadBytes for the keyspace',
        },
      );
    }
    const result = await this.def.schema['~standard'].validate(value);
    if (result.issues) {
      const field = result.issues[0] ? issuePath(result.issues[0]) : '';
      throw new PolystoreError(
        'PS_ERR_VALIDATION',
        `A ${this.def.name} value is invalid${field ? ` at "${field}"` : ''}: ${result.issues[0]?.message ?? 'rejected'}`,
        {
          field,
          fix: `make it match the ${this.def.name} schema`,
        },
      );
    }
    const ttlMs = options.ttlMs ?? this.def.ttlMs;
    await this.store.set(storeKey, result.value, ttlMs === undefined ? {} : { ttlMs });
    return result.value;
  }

  delete(key: string): Promise<boolean> {
    return this.store.del(this.#key(key));
  }

  #key(key: string): string {
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new PolystoreError(
        'PS_ERR_INVALID_ARGUMENT',
        `A ${this.def.name} key must be 1-256 characters of letters, digits and _.:@-`,
        {
          field: 'key',
          fix: 'use an id such as a user id or session id',
        },
      );
    }
    return `ks:${this.def.name}:${key}`;
  }
}
