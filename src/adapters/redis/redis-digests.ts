import { type BucketDigest, md5Hex, type ScopeDigests } from '../../contracts/bucket-digest.js';
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
  /** A hash: `state`, and per bucket `c<bucket>` (live entries) and `s<bucket>` (sum of contributions). */
  readonly digests: string;
  /** While building: the entry keys already counted, a set. */
  readonly counted: string;
}

/**
 * The bucket digests a Redis store keeps per scope (src/contracts/bucket-digest.ts),
 * under `${keyPrefix}:digest:${scope}`, outside every scope's `${scope}:` keys
 * (scopes are identifiers, without `:`). apply-if-newer.lua updates them with
 * each write once they exist; a scope written before (or whose digests a TTL
 * apply, `dropScope` or a data loss dropped) has none, and `build` counts its
 * entries while applies go on: begin-digests.lua, one count-digests.lua per
 * SCAN page, finish-digests.lua. The set `${keyPrefix}:digests` lists every
 * digest hash so that begin-rebuild.lua can drop them all.
 */
export class RedisDigests {
  /** The set of every scope's digest hash. */
  readonly registry: string;

  constructor(private readonly prefix: string) {
    this.registry = `${prefix}:digests`;
  }

  keys(scope: string): DigestKeys {
    const digests = `${this.prefix}:digest:${scope}`;
    return { digests, counted: `${digests}:counted` };
  }

  /** The scope's digests, or null unless they are valid. */
  async read({ client }: RedisConnection, scope: string): Promise<ScopeDigests | null> {
    const fields = await client.hgetall(this.keys(scope).digests);
    if (fields.state !== 'valid') return null;
    const digests = new Map<number, BucketDigest>();
    for (const [field, text] of Object.entries(fields)) {
      const kind = field[0];
      if (field === 'state' || (kind !== 'c' && kind !== 's')) continue;
      const bucket = Number(field.slice(1));
      const { count, sum } = digests.get(bucket) ?? { count: 0, sum: 0 };
      digests.set(bucket, kind === 'c' ? { count: Number(text), sum } : { count, sum: Number(text) });
    }
    // A bucket whose entries all went is left at zero; it reads as absent, as in the home's digests.
    for (const [bucket, { count, sum }] of digests) if (count === 0 && sum === 0) digests.delete(bucket);
    return { bits: DIGEST_BITS, digests };
  }

  /**
   * Counts the scope's entries (`${entryPrefix}<id>`) into its digests unless
   * they are valid already; true once they are, false when they were dropped
   * during the build. Several processes may build at once: each key is
   * counted once (its name goes into the `counted` set with its contribution).
   */
  async build({ client, clientPrefix }: RedisConnection, scope: string, entryPrefix: string): Promise<boolean> {
    const { digests, counted } = this.keys(scope);
    if ((await client[BEGIN_DIGESTS_COMMAND](3, digests, counted, this.registry)) === 'valid') return true;
    const pattern = `${escapeGlob(`${clientPrefix}${entryPrefix}`)}*`;
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (found.length === 0) continue;
      // ioredis adds its own keyPrefix to command keys, while SCAN replies carry it already.
      const keys = found.map((key) => key.slice(clientPrefix.length));
      const hashes = keys.map((key) => md5Hex(key.slice(entryPrefix.length)));
      if ((await client[COUNT_DIGESTS_COMMAND](2 + keys.length, digests, counted, ...keys, ...hashes)) === 0)
        return false;
    } while (cursor !== '0');
    return (await client[FINISH_DIGESTS_COMMAND](2, digests, counted)) === 'valid';
  }

  /** Drops the scope's digests (its entries are being dropped). */
  async drop({ client }: RedisConnection, scope: string): Promise<void> {
    const { digests, counted } = this.keys(scope);
    await client.unlink(digests, counted);
  }
}
