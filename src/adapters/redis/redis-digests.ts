import { md5Hex, type ScopeDigests } from '../../contracts/bucket-digest.js';
import {
  BEGIN_DIGESTS_COMMAND,
  COUNT_DIGESTS_COMMAND,
  FINISH_DIGESTS_COMMAND,
  type RedisConnection,
} from './redis-connection.js';
import { escapeGlob } from './redis-envelope.js';

/** Bits of the buckets apply-if-newer.lua keeps: the md5's first four hex characters. */
export const DIGEST_BITS = 16;
/** SCAN COUNT hint while building: keys examined per round trip. */
const SCAN_COUNT = 1000;

/** The keys of one scope's digests. */
export interface DigestKeys {
  /** "building" or "valid"; absent: the digests are not kept. */
  readonly state: string;
  /** A hash: per bucket a change reached, its digest value (count × 2^32 + sum). */
  readonly digests: string;
  /** While building: the entry keys already counted, a set. */
  readonly counted: string;
}

/**
 * The bucket digests a Redis store keeps per scope (src/contracts/bucket-digest.ts),
 * under `${keyPrefix}:digest:${scope}` (with `:state` and `:counted` beside
 * it), outside every scope's `${scope}:` keys (scopes are identifiers,
 * without `:`): a hash of up to 65 536 numbers that apply-if-newer.lua
 * updates (one HINCRBY per bucket a batch touches) once the state says so. A scope written before (or whose digests a TTL apply, `dropScope`
 * or a data loss dropped) has none, and `build` counts its entries while
 * applies go on: begin-digests.lua, one count-digests.lua per SCAN page,
 * finish-digests.lua. The set `${keyPrefix}:digests` lists every scope's
 * digest key so that begin-rebuild.lua can drop them all.
 */
export class RedisDigests {
  /** The set of every scope's digest key. */
  readonly registry: string;

  constructor(private readonly prefix: string) {
    this.registry = `${prefix}:digests`;
  }

  keys(scope: string): DigestKeys {
    const digests = `${this.prefix}:digest:${scope}`;
    return { state: `${digests}:state`, digests, counted: `${digests}:counted` };
  }

  /** The scope's digests, or null unless they are valid. */
  async read({ client }: RedisConnection, scope: string): Promise<ScopeDigests | null> {
    const keys = this.keys(scope);
    if ((await client.get(keys.state)) !== 'valid') return null;
    const values = new Map<number, number>();
    // A bucket whose entries all went is left at zero: absent, as in the home's digests.
    for (const [bucket, value] of Object.entries(await client.hgetall(keys.digests)))
      if (value !== '0') values.set(Number(bucket), Number(value));
    return { bits: DIGEST_BITS, values };
  }

  /**
   * Counts the scope's entries (`${entryPrefix}<id>`) into its digests unless
   * they are valid already; true once they are, false when they were dropped
   * during the build. Several processes may build at once: each key is
   * counted once (its name goes into the `counted` set with its contribution).
   */
  async build({ client, clientPrefix }: RedisConnection, scope: string, entryPrefix: string): Promise<boolean> {
    const { state, digests, counted } = this.keys(scope);
    if ((await client[BEGIN_DIGESTS_COMMAND](4, state, digests, counted, this.registry)) === 'valid') return true;
    const pattern = `${escapeGlob(`${clientPrefix}${entryPrefix}`)}*`;
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (found.length === 0) continue;
      // ioredis adds its own keyPrefix to command keys, while SCAN replies carry it already.
      const keys = found.map((key) => key.slice(clientPrefix.length));
      const hashes = digestArgument(keys.map((key) => key.slice(entryPrefix.length)));
      const counting = await client[COUNT_DIGESTS_COMMAND](3 + keys.length, state, digests, counted, ...keys, hashes);
      // 2: another build finished first; 0: the digests were dropped.
      if (counting !== 1) return counting === 2;
    } while (cursor !== '0');
    return (await client[FINISH_DIGESTS_COMMAND](2, state, counted)) === 'valid';
  }

  /** Drops the scope's digests (its entries are being dropped). */
  async drop({ client }: RedisConnection, scope: string): Promise<void> {
    const { state, digests, counted } = this.keys(scope);
    await client.unlink(state, digests, counted);
  }
}

/**
 * What the scripts need of the ids' md5s (bucket-digest.ts): the first 21 hex
 * characters of each, one after the other, in one argument (one argument per
 * id would cost the client more than the hashing).
 */
export function digestArgument(ids: readonly string[]): string {
  let out = '';
  for (const id of ids) out += md5Hex(id).slice(0, 21);
  return out;
}
