import { randomUUID } from 'node:crypto';
import { PolystoreError } from '../../errors/index.js';
import type { NatsConnectionLike } from './nats-driver.js';

/** One delivery of a stream message to a pull consumer. */
export interface Delivery {
  readonly data: Uint8Array;
  /** The ack subject: `+ACK`, `-NAK` and `+TERM` go here. */
  readonly reply: string;
  readonly streamSeq: number;
  /** 1 on first delivery; the broker counts redeliveries (after ack_wait or a nak). */
  readonly deliveryCount: number;
}

/** Status codes that end a pull request normally: no messages (404), expired after a partial batch (408). */
const END_OF_BATCH = new Set([404, 408]);
const HEARTBEAT = 100;
/** A client-side bound in case the server's end-of-batch status never arrives (a lost connection). */
const SAFETY_MS = 5_000;

/**
 * Reads the delivery count and stream sequence from an ack subject, both forms:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` and the
 * newer `$JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<sseq>...`.
 */
export function parseAckSubject(reply: string): { streamSeq: number; deliveryCount: number } | null {
  const tokens = reply.split('.');
  if (tokens[0] !== '$JS' || tokens[1] !== 'ACK') return null;
  const at = tokens.length === 9 ? 4 : tokens.length >= 11 ? 6 : -1;
  if (at < 0) return null;
  const deliveryCount = Number(tokens[at]);
  const streamSeq = Number(tokens[at + 1]);
  return Number.isSafeInteger(deliveryCount) && Number.isSafeInteger(streamSeq) ? { streamSeq, deliveryCount } : null;
}

/**
 * One pull request for up to `batch` messages. `no_wait` with `expires` makes
 * the server wait at most `waitMs` for a first message and then end the batch
 * as soon as nothing more is pending, with a 404/408 status; so, unlike
 * `consumer.fetch()` of `nats` (whose `expires` is at least 1 s and which
 * waits for a full batch), a call returns what is ready and leaves no waiting
 * request behind that could swallow later messages.
 */
export function pullBatch(
  nc: NatsConnectionLike,
  stream: string,
  consumer: string,
  batch: number,
  waitMs: number,
): Promise<Delivery[]> {
  const inbox = `_INBOX.${randomUUID().replaceAll('-', '')}`;
  return new Promise((resolve, reject) => {
    const out: Delivery[] = [];
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub.unsubscribe();
      if (err) reject(err);
      else resolve(out);
    };
    const sub = nc.subscribe(inbox, {
      callback: (err, msg) => {
        if (err) return finish(err);
        const status = msg.headers?.code ?? 0;
        if (status === HEARTBEAT) return;
        if (status !== 0 || !msg.reply) {
          const description = msg.headers?.description ?? '';
          if (END_OF_BATCH.has(status) || (status === 409 && /^exceeded/i.test(description))) return finish();
          return finish(
            new PolystoreError(
              'PS_ERR_STORE_UNAVAILABLE',
              `The jetstream consumer "${consumer}" refused a pull request (${status} ${description})`,
              { fix: 'check that the stream and its durable consumer still exist (`nats consumer info`)' },
            ),
          );
        }
        const info = parseAckSubject(msg.reply);
        if (!info) return;
        out.push({ data: msg.data, reply: msg.reply, ...info });
        if (out.length >= batch) finish();
      },
    });
    const timer = setTimeout(() => finish(), waitMs + SAFETY_MS);
    const request = JSON.stringify({ batch, no_wait: true, expires: waitMs * 1_000_000 });
    try {
      nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, request, { reply: inbox });
    } catch (err) {
      finish(err as Error);
    }
  });
}
