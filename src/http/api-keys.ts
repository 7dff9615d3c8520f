import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PolystoreError } from '../errors/index.js';

/**
 * One API key as the server's configuration holds it: its public id, the
 * SHA-256 of the whole key (never the key itself) and what it may do.
 * Scopes: `entity:<name>:read|write` (keyspaces too, by name),
 * `graph:<store>:query`, `analytics:<store>:query`, `admin:status`,
 * `admin:check`, `admin:backfill`, `admin:dead-letters`, `admin:sagas`,
 * `admin:audit`, `metrics:read`; a `*` segment matches any one segment
 * (`entity:*:read`, `admin:*`).
 */
export interface ApiKeyEntry {
  readonly id: string;
  /** `sha256:<64 hex digits>` of the key. */
  readonly hash: string;
  readonly scopes: readonly string[];
}

/** A key and its configuration entry, as `polystore keys create` prints them. */
export interface MintedKey {
  /** The key to hand to the client: shown once, stored nowhere. */
  readonly key: string;
  readonly entry: ApiKeyEntry;
}

const KEY_FORMAT = /^psk_([a-f0-9]{12})_([A-Za-z0-9_-]{43})$/;
const HASH_FORMAT = /^sha256:([a-f0-9]{64})$/;
const SCOPE_FORMAT = /^(\*|[A-Za-z0-9_.-]+)(:(\*|[A-Za-z0-9_.-]+)){0,2}$/;

/**
 * Makes a new API key (256 random bits) with the given scopes. The key is
 * high-entropy, so a SHA-256 of it is safe to store and fast to check.
 *
 * @example
 * const { key, entry } = mintApiKey(['entity:products:read', 'admin:status']);
 * // give `key` to the client; put `entry` in the server's `keys`
 */
export function mintApiKey(scopes: readonly string[]): MintedKey {
  checkScopes(scopes, 'scopes');
  const id = randomBytes(6).toString('hex');
  const key = `psk_${id}_${randomBytes(32).toString('base64url')}`;
  return { key, entry: { id, hash: `sha256:${sha256(key)}`, scopes: [...scopes] } };
}

/**
 * The configured keys, checked once (a malformed entry is a
 * `PS_ERR_INVALID_CONFIG` naming its index, never its hash), by id.
 */
export class ApiKeys {
  readonly #byId = new Map<string, { readonly digest: Buffer; readonly entry: ApiKeyEntry }>();

  constructor(entries: readonly ApiKeyEntry[]) {
    entries.forEach((entry, i) => {
      const hash = HASH_FORMAT.exec(typeof entry?.hash === 'string' ? entry.hash : '');
      if (typeof entry?.id !== 'string' || !/^[a-f0-9]{12}$/.test(entry.id) || !hash) {
        throw new PolystoreError('PS_ERR_INVALID_CONFIG', `API key entry ${i} is malformed`, {
          field: `keys[${i}]`,
          fix: 'use the { id, hash, scopes } entry printed by `polystore keys create`',
        });
      }
      if (this.#byId.has(entry.id))
        throw new PolystoreError('PS_ERR_INVALID_CONFIG', `API key id ${entry.id} is configured twice`, {
          field: `keys[${i}]`,
          fix: 'keep one entry per key',
        });
      checkScopes(entry.scopes, `keys[${i}].scopes`);
      this.#byId.set(entry.id, { digest: Buffer.from(hash[1]!, 'hex'), entry });
    });
  }

  get size(): number {
    return this.#byId.size;
  }

  /** The entry of a presented key, or null when no entry matches (compared in constant time). */
  verify(key: string): ApiKeyEntry | null {
    const parsed = KEY_FORMAT.exec(key);
    const known = parsed ? this.#byId.get(parsed[1]!) : undefined;
    const presented = createHash('sha256').update(key).digest();
    // A digest is compared even for an unknown id, so timing tells nothing about which ids exist.
    const expected = known?.digest ?? Buffer.alloc(32);
    return timingSafeEqual(presented, expected) && known ? known.entry : null;
  }
}

/** True when one of `scopes` grants `needed` (segment by segment; `*` matches one segment, a shorter scope its prefix). */
export function grants(scopes: readonly string[], needed: string): boolean {
  const want = needed.split(':');
  return scopes.some((scope) => {
    const have = scope.split(':');
    if (have.length > want.length) return false;
    // `admin:*` grants `admin:sagas`; `entity:*:read` grants `entity:products:read`.
    if (have.length < want.length && have.at(-1) !== '*') return false;
    return have.every((part, i) => part === '*' || part === want[i]);
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function checkScopes(scopes: unknown, field: string): void {
  if (
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    !scopes.every((s) => typeof s === 'string' && SCOPE_FORMAT.test(s))
  )
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'API key scopes must be a non-empty list of scope names', {
      field,
      fix: 'pass scopes such as entity:products:read, entity:*:write, admin:status, metrics:read',
    });
}
