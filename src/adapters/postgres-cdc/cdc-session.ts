import type { ChangeEvent } from '../../contracts/change-event.js';
import type { NewDeadLetter } from '../../contracts/dead-letter.js';
import type { EventPublisher } from '../../contracts/event-log.js';
import { type LogPosition, outboxPosition } from '../../contracts/log-position.js';
import { publishGuarded } from '../../runtime/guarded-publish.js';
import type { RetryPolicy } from '../../runtime/retry-policy.js';
import type { ReplicationModuleLike, ReplicationServiceLike } from './cdc-driver.js';
import type { CdcClientConfig } from './cdc-options.js';
import { formatLsn, type Lsn, parseLsn } from './lsn.js';
import { type OutboxMessage, outboxEvent, outboxPlugin } from './outbox-decoder.js';

export interface SessionSettings {
  readonly client: CdcClientConfig;
  readonly schema: string;
  readonly slot: string;
  readonly publication: string;
  readonly publisher: EventPublisher;
  readonly batchSize: number;
  readonly retry: RetryPolicy;
  /** The relay's name, under which refused events are dead-lettered. */
  readonly name: string;
  readonly deadLetters: { add(letter: NewDeadLetter): Promise<unknown> } | undefined;
  /** Every position acknowledged to the server, in increasing order. */
  onConfirmed(lsn: Lsn): void;
  onPublished(events: readonly ChangeEvent[], deadLettered: readonly ChangeEvent[]): void;
  onPublishFailure(err: unknown, attempt: number): void;
}

/**
 * The largest sequence number the outbox's bigint column holds: `(xmin - 1,
 * MAX_SEQ)` is the last position below `(xmin, 0)`, and it stays a position
 * the home can read after (a larger number would overflow its bigint).
 */
const MAX_SEQ = '9223372036854775807';

/** Events waiting beyond this many batches pause the stream until the publisher catches up. */
const HIGH_WATER_BATCHES = 4;
const STOP_TIMEOUT_MS = 5_000;
/**
 * START_REPLICATION from 0/0 makes the server resume at the slot's
 * confirmed_flush_lsn. Never a received position: a start point past the
 * confirmed one would skip transactions that were received but not published.
 */
const FROM_CONFIRMED = '0/0';

/**
 * One replication connection streaming the outbox. Events are published in
 * the order the server sends them (commit order) and a transaction's end LSN
 * is reported as flushed only once all its events are published, so a stream
 * that breaks anywhere resumes, on the next session, at the first transaction
 * not fully published.
 *
 * Progress: a watermark message (see `WATERMARK_SQL`) with xmin X means every
 * transaction with an id below X was streamed before it. Once every event
 * received before the watermark is confirmed in the broker, "every position
 * below (X, 0) is published" holds: later batches carry that bound as their
 * `settled` stamp, and an idle stream publishes it as a broker watermark.
 *
 * Idle positions: the server's keepalives carry how far it has read the WAL.
 * Such a position is confirmed only when every message that arrived before the
 * keepalive has been handled and nothing is unpublished; then no transaction
 * committed before it is still in our hands.
 */
export class CdcSession {
  /** Resolves once the server streams. */
  readonly started: Promise<void>;
  /** Resolves when the stream has ended: undefined after `close()`, otherwise why it broke. */
  readonly ended: Promise<unknown>;

  readonly #service: ReplicationServiceLike;
  readonly #settings: SessionSettings;
  readonly #highWater: number;
  #confirmed: Lsn;
  /** Whether a transaction is open in the stream (between its begin and commit). */
  #inTransaction = false;
  /** Events received, not yet taken into a publish. */
  #queue: ChangeEvent[] = [];
  #enqueued = 0;
  #taken = 0;
  /** Commit end LSNs, each confirmable once the first `at` events ever enqueued are published. */
  #commits: { at: number; lsn: Lsn }[] = [];
  #inflight: Promise<void> | null = null;
  /** Watermarks received, each provable once the first `at` events ever enqueued are published. */
  #watermarks: { at: number; settled: LogPosition }[] = [];
  /** Every event at or before it is confirmed in the broker (or dead-lettered). */
  #settled: LogPosition | null = null;
  #watermarkPublished: LogPosition | null = null;
  #flushQueued = false;
  #received = 0;
  #handled = 0;
  #keepalive: { lsn: Lsn; after: number } | null = null;
  #drainWaiters: (() => void)[] = [];
  #lastHeard = Date.now();
  #closing = false;
  #failure: unknown;
  #wakeRetry: (() => void) | undefined;

  constructor(driver: ReplicationModuleLike, settings: SessionSettings, confirmed: Lsn) {
    this.#settings = settings;
    this.#confirmed = confirmed;
    this.#highWater = settings.batchSize * HIGH_WATER_BATCHES;
    const plugin = outboxPlugin(driver, settings.publication, () => {
      this.#received++;
    });
    // The service's own acknowledgements stay off: auto-ack confirms what was
    // merely received, and its periodic status reports the last received LSN
    // even with auto off (pg-logical-replication issue #174).
    this.#service = new driver.LogicalReplicationService(
      // ISO dates in UTC: committed_at is decoded from its text form.
      { ...settings.client, options: '-c DateStyle=ISO -c TimeZone=UTC' },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    let markStarted!: () => void;
    this.started = new Promise((resolve) => {
      markStarted = resolve;
    });
    this.#service.on('start', () => {
      this.#lastHeard = Date.now();
      markStarted();
    });
    this.#service.on('data', (_lsn, message) => this.#onData(message as OutboxMessage));
    this.#service.on('heartbeat', (lsn, _timestamp, shouldRespond) => this.#onKeepalive(lsn, shouldRespond));
    this.#service.on('error', (err) => this.fail(err));
    this.ended = this.#service.subscribe(plugin, settings.slot, FROM_CONFIRMED).then(
      () => this.#failure ?? (this.#closing ? undefined : new Error('the server ended the replication stream')),
      (err: unknown) => this.#failure ?? err,
    );
  }

  /** The position the server has been told everything before is published. */
  get confirmed(): Lsn {
    return this.#confirmed;
  }

  /** True when the server has sent nothing for `ms` although the relay is reading. */
  silentFor(ms: number): boolean {
    return this.#drainWaiters.length === 0 && Date.now() - this.#lastHeard > ms;
  }

  /** Reports the confirmed position; `ping` asks the server to answer (a liveness probe). */
  sendStatus(ping = false): void {
    if (this.#confirmed <= 0n) return;
    // acknowledge(x) reports x + 1 as flushed: pass the last byte we are done with.
    this.#service.acknowledge(formatLsn(this.#confirmed - 1n), ping).catch(() => undefined);
  }

  /** Ends the stream because of `err` (kept as the reason `ended` resolves with). */
  fail(err: unknown): void {
    if (this.#failure === undefined && !this.#closing) this.#failure = err ?? new Error('stream failed');
    this.#halt();
  }

  /**
   * Stops streaming: a publish in flight is finished and acknowledged, nothing
   * new is published, and what was received but not published is dropped (the
   * next session receives it again).
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.#wakeRetry?.();
    this.#releaseDrainWaiters();
    await this.#inflight;
    this.#halt();
    await this.ended;
  }

  #halt(): void {
    const stopped = this.#service.stop().catch(() => undefined);
    // A socket that never closes must not hang stop(); the stream is abandoned either way.
    void Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref())]);
  }

  #onData(message: OutboxMessage): Promise<void> | undefined {
    this.#lastHeard = Date.now();
    try {
      if (!this.#closing && this.#failure === undefined) this.#apply(message);
    } catch (err) {
      this.fail(err);
    } finally {
      this.#handled++;
    }
    this.#confirmIdle();
    if (this.#queue.length < this.#highWater || this.#closing) return undefined;
    // Pauses the socket (flow control) until a publish drains the queue.
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #apply(message: OutboxMessage): void {
    switch (message.tag) {
      case 'begin':
        this.#inTransaction = true;
        return;
      case 'insert': {
        const { schema, name } = message.relation;
        if (schema !== this.#settings.schema || name !== '_ps_outbox') return;
        this.#queue.push(outboxEvent(message.new));
        this.#enqueued++;
        // Events are committed already (protocol 1 streams only committed
        // transactions): a large transaction is published as it arrives and
        // confirmed at its commit.
        if (this.#queue.length >= this.#settings.batchSize) this.#flush();
        return;
      }
      case 'commit':
        this.#inTransaction = false;
        this.#commits.push({ at: this.#enqueued, lsn: parseLsn(message.commitEndLsn ?? '') });
        this.#scheduleFlush();
        return;
      case 'watermark':
        if (message.xmin > 0n) {
          this.#watermarks.push({ at: this.#enqueued, settled: outboxPosition(message.xmin - 1n, MAX_SEQ) });
          this.#scheduleFlush();
        }
        return;
      case 'undecodable':
        throw message.error;
      default:
        return;
    }
  }

  #onKeepalive(lsnText: string, shouldRespond: boolean): void {
    this.#lastHeard = Date.now();
    const lsn = parseLsn(lsnText);
    if (this.#keepalive === null || lsn >= this.#keepalive.lsn) this.#keepalive = { lsn, after: this.#received };
    this.#confirmIdle();
    if (shouldRespond) this.sendStatus();
  }

  #confirmIdle(): void {
    const keepalive = this.#keepalive;
    if (keepalive === null || this.#handled < keepalive.after) return;
    if (this.#inTransaction || this.#queue.length > 0 || this.#commits.length > 0 || this.#inflight) return;
    this.#keepalive = null;
    this.#confirm(keepalive.lsn);
  }

  #confirm(lsn: Lsn): void {
    if (lsn <= this.#confirmed) return;
    this.#confirmed = lsn;
    this.sendStatus();
    this.#settings.onConfirmed(lsn);
  }

  /** Collects whatever else arrives in the same read before publishing. */
  #scheduleFlush(): void {
    if (this.#flushQueued || this.#inflight || this.#closing) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #flush(): void {
    const idle = this.#queue.length === 0 && this.#commits.length === 0 && this.#watermarks.length === 0;
    if (this.#inflight || this.#closing || idle) return;
    const events = this.#queue.splice(0, this.#settings.batchSize);
    this.#taken += events.length;
    this.#releaseDrainWaiters();
    this.#inflight = this.#publishAndConfirm(events, this.#taken).finally(() => {
      this.#inflight = null;
      if (this.#queue.length > 0 || this.#commits.length > 0 || this.#watermarks.length > 0) this.#flush();
      else this.#confirmIdle();
    });
  }

  async #publishAndConfirm(events: readonly ChangeEvent[], taken: number): Promise<void> {
    if (events.length > 0) {
      const settings = this.#settings;
      // Batches go one at a time: everything taken before this one is confirmed, so #settled holds.
      const { done, deadLettered } = await publishGuarded(events, this.#settled, {
        publisher: settings.publisher,
        retry: settings.retry,
        consumer: settings.name,
        ...(settings.deadLetters ? { deadLetters: settings.deadLetters } : {}),
        sleep: (ms) => this.#pause(ms),
        stopped: () => this.#closing,
        onFailure: (err, attempt) => settings.onPublishFailure(err, attempt),
      });
      // Never acknowledged: the next session receives these events again.
      if (!done) return;
      settings.onPublished(events, deadLettered);
    }
    let done: Lsn | undefined;
    while (this.#commits.length > 0 && this.#commits[0]!.at <= taken) done = this.#commits.shift()!.lsn;
    if (done !== undefined) this.#confirm(done);
    while (this.#watermarks.length > 0 && this.#watermarks[0]!.at <= taken) {
      const { settled } = this.#watermarks.shift()!;
      if (this.#settled === null || settled > this.#settled) this.#settled = settled;
    }
    // Idle: publish the bound now, since no later batch will carry it.
    if (this.#queue.length === 0 && this.#settled !== null && this.#settled !== this.#watermarkPublished) {
      const settled = this.#settled;
      try {
        await this.#settings.publisher.publishWatermark(settled);
        this.#watermarkPublished = settled;
      } catch (err) {
        // The next watermark carries a newer bound; nothing is lost.
        this.#settings.onPublishFailure(err, 1);
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(wake, ms);
      function wake() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeRetry = wake;
    });
  }

  #releaseDrainWaiters(): void {
    if (this.#drainWaiters.length === 0 || (this.#queue.length >= this.#highWater && !this.#closing)) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    this.#lastHeard = Date.now();
    for (const resolve of waiters) resolve();
  }
}
