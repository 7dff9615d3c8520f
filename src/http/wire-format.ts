import type { RecordCodec } from '../model/record-codec.js';
import type { ReadConsistency, ReadOptions } from '../router/read-options.js';
import { badParameter } from './http-errors.js';

/** The response header carrying a write's read-your-writes token, and the request header that may pass one. */
export const TOKEN_HEADER = 'x-polystore-token';

const CONSISTENCIES: readonly ReadConsistency[] = ['eventual', 'read-your-writes', 'strong'];
/** What a write token may look like on the wire (any log's positions). */
export const TOKEN = /^[0-9A-Za-z:._/-]{1,128}$/;

export type Query = Readonly<Record<string, string | undefined>>;

/**
 * A read's consistency from its query: `consistency`, `after` (a write's
 * token; also the `x-polystore-token` request header) and `timeoutMs`.
 */
export function readOptionsOf(query: Query, headerToken: string | undefined): ReadOptions {
  const consistency = query.consistency;
  if (consistency !== undefined && !(CONSISTENCIES as readonly string[]).includes(consistency))
    throw badParameter('consistency', 'Unknown consistency', `use one of ${CONSISTENCIES.join(', ')}`);
  const after = query.after ?? headerToken;
  if (after !== undefined && !TOKEN.test(after))
    throw badParameter('after', 'Malformed write token', `pass the ${TOKEN_HEADER} header value of the write`);
  const timeoutMs = optionalInt(query, 'timeoutMs', 1, 60_000);
  return {
    ...(consistency ? { consistency: consistency as ReadConsistency } : {}),
    ...(after ? { after } : {}),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

/** An optional integer query parameter within [min, max]. */
export function optionalInt(query: Query, name: string, min: number, max: number): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max)
    throw badParameter(name, `${name} must be an integer from ${min} to ${max}`, `pass e.g. ${name}=${min}`);
  return value;
}

/** A JSON-object request body (anything else is a coded 400). */
export function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badParameter('body', `The ${what} must be a JSON object`, 'send a JSON object');
  return body as Record<string, unknown>;
}

/** A record as a response carries it: its JSON form (Dates as ISO strings, bigints as decimal strings) with `$version`. */
export function recordJson(codec: RecordCodec, record: Record<string, unknown> & { $version: number }) {
  return { ...codec.toJson(record), $version: record.$version };
}
