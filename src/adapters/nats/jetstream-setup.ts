import type { ChangeEvent } from '../../contracts/change-event.js';
import { PolystoreError } from '../../errors/index.js';
import type { Logger } from '../../runtime/logger.js';
import type { ConsumerConfigLike, JetStreamManagerLike } from './nats-driver.js';
import { jetStreamErrorCode, natsCall, natsError } from './nats-driver.js';

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;
const CONSUMER_NOT_FOUND = 10014;
const NANOS_PER_MS = 1_000_000;

export interface StreamSpec {
  readonly stream: string;
  readonly duplicateWindowMs: number;
  readonly maxAgeMs: number;
}

export interface ConsumerSpec {
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly maxAckPending: number;
}

/**
 * The subject of an event: `<stream>.<partition>`, the partition being a
 * stable hash (FNV-1a over the UTF-16 code units) of `entity/key`. Every
 * version of a key therefore lands on one subject, and JetStream keeps each
 * subject in publish order.
 */
export function subjectFor(stream: string, partitions: number, event: Pick<ChangeEvent, 'entity' | 'key'>): string {
  const text = `${event.entity}/${event.key}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `${stream}.${(hash >>> 0) % partitions}`;
}

/**
 * Creates the stream if it is missing (subjects `<stream>.*`), or brings an
 * existing one's duplicate window and max age to the declared values. A
 * stream of that name that does not capture `<stream>.*` is a configuration
 * error, never silently reused.
 */
export async function ensureStream(jsm: JetStreamManagerLike, spec: StreamSpec, logger: Logger): Promise<void> {
  const wanted = {
    duplicate_window: spec.duplicateWindowMs * NANOS_PER_MS,
    max_age: spec.maxAgeMs * NANOS_PER_MS,
  };
  const subject = `${spec.stream}.*`;
  for (let attempt = 0; ; attempt++) {
    let config: { subjects?: string[]; duplicate_window?: number; max_age?: number };
    try {
      config = (await jsm.streams.info(spec.stream)).config;
    } catch (err) {
      if (jetStreamErrorCode(err) !== STREAM_NOT_FOUND) throw natsError(err, `read stream "${spec.stream}"`);
      try {
        await jsm.streams.add({ name: spec.stream, subjects: [subject], ...wanted });
        return;
      } catch (addErr) {
        // Another worker created it first: check what it created.
        if (jetStreamErrorCode(addErr) === STREAM_NAME_IN_USE && attempt === 0) continue;
        throw natsError(addErr, `create stream "${spec.stream}"`);
      }
    }
    if (!config.subjects?.includes(subject)) {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The NATS stream "${spec.stream}" exists but does not capture the subjects "${subject}"`,
        { field: 'stream', fix: 'choose another stream name, or delete the existing stream' },
      );
    }
    if (config.duplicate_window !== wanted.duplicate_window || (config.max_age ?? 0) !== wanted.max_age) {
      logger.info({ stream: spec.stream, ...wanted }, 'updating the jetstream stream to the declared limits');
      await natsCall(`update stream "${spec.stream}"`, () => jsm.streams.update(spec.stream, wanted));
    }
    return;
  }
}

/**
 * Creates the durable pull consumer (explicit acks, from the start of the
 * stream), or brings an existing one's ack wait, max deliver and max ack
 * pending to the declared values. Creating an identical durable twice is
 * harmless, so workers may race here.
 */
export async function ensureConsumer(
  jsm: JetStreamManagerLike,
  stream: string,
  durable: string,
  spec: ConsumerSpec,
): Promise<void> {
  const wanted: ConsumerConfigLike = {
    ack_wait: spec.ackWaitMs * NANOS_PER_MS,
    max_deliver: spec.maxDeliver,
    max_ack_pending: spec.maxAckPending,
  };
  let current: ConsumerConfigLike;
  try {
    current = (await jsm.consumers.info(stream, durable)).config;
  } catch (err) {
    if (jetStreamErrorCode(err) !== CONSUMER_NOT_FOUND) throw natsError(err, `read consumer "${durable}"`);
    await natsCall(`create consumer "${durable}"`, () =>
      jsm.consumers.add(stream, { durable_name: durable, ack_policy: 'explicit', deliver_policy: 'all', ...wanted }),
    );
    return;
  }
  if (
    current.ack_wait !== wanted.ack_wait ||
    current.max_deliver !== wanted.max_deliver ||
    current.max_ack_pending !== wanted.max_ack_pending
  ) {
    await natsCall(`update consumer "${durable}"`, () => jsm.consumers.update(stream, durable, wanted));
  }
}
