import { type ChangeEvent, type ChangeOp, eventIdOf } from '../../contracts/change-event.js';
import { outboxPosition } from '../../contracts/log-position.js';
import { PolystoreError } from '../../errors/index.js';
import type { CdcQueryable, ReplicationModuleLike, ReplicationPluginLike } from './cdc-driver.js';

/** The pgoutput messages the relay acts on (proto_version 1); any other tag is passed over. */
export type OutboxMessage =
  | { readonly tag: 'begin' }
  | { readonly tag: 'commit'; readonly commitEndLsn: string | null }
  | {
      readonly tag: 'insert';
      readonly relation: { readonly schema: string; readonly name: string };
      readonly new: Readonly<Record<string, unknown>>;
    }
  | { readonly tag: 'undecodable'; readonly error: unknown }
  /** A `polystore.watermark` message: every transaction with an id below `xmin` was streamed before it. */
  | { readonly tag: 'watermark'; readonly xmin: bigint }
  | { readonly tag: 'other' };

interface RelationColumnLike {
  parser: (raw: string) => unknown;
}

const keepText = (raw: string): string => raw;
const OPS: ReadonlySet<string> = new Set<ChangeOp>(['create', 'update', 'delete']);

/**
 * pgoutput through `pg-logical-replication`'s parser, with two changes:
 * columns stay text (the parser would apply `pg`'s process-wide type parsers,
 * which an application may have replaced, and round timestamps through
 * floating point), and a message it cannot parse becomes `undecodable`
 * instead of an exception thrown inside the socket's data callback.
 * `onReceive` runs for every message, in arrival order, before it is queued.
 */
export function outboxPlugin(
  driver: ReplicationModuleLike,
  publication: string,
  onReceive: () => void,
): ReplicationPluginLike {
  const inner = new driver.PgoutputPlugin({ protoVersion: 1, publicationNames: [publication] });
  return {
    options: inner.options,
    name: 'pgoutput',
    // Quoted so the publication name keeps its case (publication_names is parsed like an identifier list).
    start: (client: CdcQueryable, slotName: string, lastLsn: string) =>
      client.query(
        `START_REPLICATION SLOT "${slotName}" LOGICAL ${lastLsn} (proto_version '1', publication_names '"${publication}"', messages 'true')`,
      ),
    parse(buffer: Buffer): OutboxMessage {
      onReceive();
      let message: { tag?: unknown; columns?: RelationColumnLike[] };
      try {
        message = inner.parse(buffer) as typeof message;
      } catch (error) {
        return { tag: 'undecodable', error };
      }
      if (message.tag === 'relation') for (const column of message.columns ?? []) column.parser = keepText;
      if (message.tag === 'begin' || message.tag === 'commit' || message.tag === 'insert') {
        return message as OutboxMessage;
      }
      if (message.tag === 'message') return watermarkOf(message as unknown as LogicalMessageLike);
      return { tag: 'other' };
    },
  };
}

/** The prefix of the WAL messages that carry a snapshot's xmin (see `WATERMARK_SQL`). */
export const WATERMARK_PREFIX = 'polystore.watermark';

/**
 * Writes a watermark into the WAL: a logical message holding the xmin of the
 * snapshot of the statement that writes it. Every transaction with a smaller
 * id had ended (committed or aborted) when that snapshot was taken, so its
 * commit record precedes this message's transaction's commit in the WAL, and
 * logical decoding, which replays transactions at their commit in WAL order,
 * has streamed it first. The message is transactional so that its commit
 * flushes the WAL at once: a non-transactional one waits for the WAL writer
 * (up to `wal_writer_delay`) before the server streams it. Any process may
 * run it on the home.
 */
export const WATERMARK_SQL = `SELECT pg_logical_emit_message(true, '${WATERMARK_PREFIX}', pg_snapshot_xmin(pg_current_snapshot())::text)`;

interface LogicalMessageLike {
  readonly prefix: string;
  readonly content: Uint8Array;
}

function watermarkOf(message: LogicalMessageLike): OutboxMessage {
  if (message.prefix !== WATERMARK_PREFIX) return { tag: 'other' };
  const text = Buffer.from(message.content).toString('utf8');
  return /^\d+$/.test(text) ? { tag: 'watermark', xmin: BigInt(text) } : { tag: 'other' };
}

/**
 * An inserted `_ps_outbox` row as the change event the polling reader would
 * return for it: the same eventId, the position from (tx_id, seq), the payload
 * and `committedAt` as floor(epoch ms) of committed_at.
 */
export function outboxEvent(row: Readonly<Record<string, unknown>>): ChangeEvent {
  const { tx_id, seq, entity, key, version, op, payload, committed_at } = row;
  const valid =
    typeof tx_id === 'string' &&
    /^\d+$/.test(tx_id) &&
    typeof seq === 'string' &&
    /^\d+$/.test(seq) &&
    typeof entity === 'string' &&
    typeof key === 'string' &&
    typeof version === 'string' &&
    /^\d+$/.test(version) &&
    typeof op === 'string' &&
    OPS.has(op) &&
    (payload === null || typeof payload === 'string') &&
    typeof committed_at === 'string';
  if (!valid) throw undecodable('an outbox row lacks a column or has one of an unexpected type');
  const change = { entity, key, version: Number(version) };
  return {
    ...change,
    op: op as ChangeOp,
    payload: payload === null ? null : parsePayload(payload),
    eventId: eventIdOf(change),
    position: outboxPosition(tx_id, seq),
    committedAt: epochMillis(committed_at),
  };
}

function parsePayload(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw undecodable('an outbox payload is not JSON', err);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw undecodable('an outbox payload is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/** `timestamptz` output in the ISO DateStyle: `2024-05-01 10:00:00.123456+02` (the offset may carry minutes). */
const TIMESTAMPTZ = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

/** Exact floor(epoch ms) of a timestamptz text, as `floor(extract(epoch FROM t) * 1000)` computes it. */
export function epochMillis(text: string): number {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) throw undecodable('an outbox committed_at is not an ISO timestamptz (is DateStyle ISO?)');
  const [, year, month, day, hour, minute, second, fraction = '', sign, offsetH, offsetM = '0', offsetS = '0'] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.padEnd(3, '0').slice(0, 3)));
  const offsetMs = (Number(offsetH) * 3600 + Number(offsetM) * 60 + Number(offsetS)) * 1000;
  return date.getTime() - (sign === '-' ? -offsetMs : offsetMs);
}

function undecodable(problem: string, cause?: unknown): PolystoreError {
  return new PolystoreError('PS_ERR_STORE_QUERY', `The postgres CDC relay could not decode a change: ${problem}`, {
    ...(cause === undefined ? {} : { cause }),
    fix: 'check that the publication covers only the outbox table created by ensureSchema()',
  });
}
