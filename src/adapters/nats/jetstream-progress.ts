import { createHash } from 'node:crypto';
import { type ConsumerProgress, decodeMark, type MessageMark } from '../../contracts/event-log.js';
import type { LogPosition } from '../../contracts/log-position.js';
import type { JetStreamManagerLike } from './nats-driver.js';
import { jetStreamErrorCode, natsCall, natsError } from './nats-driver.js';

const NO_MESSAGE_FOUND = 10037;
const CONSUMER_NOT_FOUND = 10014;
/** How many messages before the floor are searched for one that carries marks (a foreign message was skipped). */
const MARK_SEARCH = 16;

/**
 * The `Nats-Msg-Id` of an event: a SHA-256 digest of its id, base64url. NATS
 * headers cannot carry every character an id may hold (a newline ends the
 * header), so the digest keeps any id publishable while staying the same for
 * every re-publish of the event, which is what de-duplication needs.
 */
export function messageIdOf(eventId: string): string {
  return createHash('sha256').update(eventId, 'utf8').digest('base64url');
}

/**
 * A durable's progress read from the stream: `through` is the `settled`
 * bound of the message at the ack floor (every stream message up to the floor
 * is acknowledged, and the publisher stored every event up to that bound
 * before that message), `backlog` the durable's undelivered plus unacked
 * messages. A durable not created yet has the whole stream as backlog.
 */
export async function jetStreamProgress(
  jsm: JetStreamManagerLike,
  stream: string,
  durable: string,
): Promise<ConsumerProgress> {
  const streamInfo = await natsCall(`read stream "${stream}"`, () => jsm.streams.info(stream));
  const lastSeq = streamInfo.state.last_seq;
  const head = lastSeq > 0 ? ((await markAtOrBefore(jsm, stream, lastSeq))?.position ?? null) : null;
  let info: Awaited<ReturnType<JetStreamManagerLike['consumers']['info']>> | null;
  try {
    info = await jsm.consumers.info(stream, durable);
  } catch (err) {
    if (jetStreamErrorCode(err) !== CONSUMER_NOT_FOUND) throw natsError(err, `read consumer "${durable}"`);
    info = null;
  }
  if (info === null) {
    const first =
      streamInfo.state.messages > 0 ? await markAt(jsm, stream, lastSeq - streamInfo.state.messages + 1) : null;
    return {
      through: null,
      head,
      backlog: streamInfo.state.messages,
      pending: 0,
      oldestUnhandledAt: first?.at ?? null,
      updatedAt: null,
    };
  }
  const floor = info.ack_floor.stream_seq;
  const [atFloor, next] = await Promise.all([
    floor > 0 ? markAtOrBefore(jsm, stream, floor) : null,
    floor < lastSeq ? markAt(jsm, stream, floor + 1) : null,
  ]);
  const active = epochMillisOf(info.ack_floor.last_active);
  return {
    through: atFloor?.settled ?? null,
    head,
    backlog: (info.num_pending ?? 0) + (info.num_ack_pending ?? 0),
    pending: info.num_ack_pending ?? null,
    oldestUnhandledAt: next?.at ?? null,
    updatedAt: Number.isFinite(active) && active > 0 ? active : null,
  };
}

/** `through` alone: the durable's ack floor and the `settled` bound of the message there. */
export async function jetStreamHandledThrough(
  jsm: JetStreamManagerLike,
  stream: string,
  durable: string,
): Promise<LogPosition | null> {
  let floor: number;
  try {
    floor = (await jsm.consumers.info(stream, durable)).ack_floor.stream_seq;
  } catch (err) {
    if (jetStreamErrorCode(err) === CONSUMER_NOT_FOUND) return null;
    throw natsError(err, `read consumer "${durable}"`);
  }
  return floor > 0 ? ((await markAtOrBefore(jsm, stream, floor))?.settled ?? null) : null;
}

/** The marks of the newest decodable message at or before `seq` (a few foreign messages are passed over). */
async function markAtOrBefore(jsm: JetStreamManagerLike, stream: string, seq: number): Promise<MessageMark | null> {
  for (let at = seq; at > 0 && at > seq - MARK_SEARCH; at--) {
    const mark = await markAt(jsm, stream, at);
    if (mark !== null) return mark;
  }
  return null;
}

/** The marks of the message at `seq`; null when it is foreign or retention removed it. */
async function markAt(jsm: JetStreamManagerLike, stream: string, seq: number): Promise<MessageMark | null> {
  try {
    const stored = await jsm.streams.getMessage(stream, { seq });
    return decodeMark(TEXT.decode(stored.data));
  } catch (err) {
    if (jetStreamErrorCode(err) === NO_MESSAGE_FOUND) return null;
    throw natsError(err, `read message ${seq} of stream "${stream}"`);
  }
}

const TEXT = new TextDecoder();

/** `last_active` as the client hands it: an ISO time string (the API's JSON) or a number. */
function epochMillisOf(value: unknown): number {
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}
