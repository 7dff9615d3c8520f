import type { CaptureStats, ChangeCapture } from '../../contracts/change-capture.js';
import type { ChangeEvent } from '../../contracts/change-event.js';
import type { LogPosition } from '../../contracts/log-position.js';
import { PolystoreError } from '../../errors/index.js';
import { describeError, type Logger, stderrLogger } from '../../runtime/logger.js';
import { backoffDelay, type RetryPolicy } from '../../runtime/retry-policy.js';
import { wakeableSleep } from '../../runtime/wakeable-sleep.js';
import { openError } from '../postgres/pg-connection-errors.js';
import { cdcError, loadReplication, openPool, type PgPoolLike, type ReplicationModuleLike } from './cdc-driver.js';
import { type PostgresCdcRelayOptions, type ResolvedRelayOptions, resolveRelayOptions } from './cdc-options.js';
import { CdcSession } from './cdc-session.js';
import { readSlotStatus } from './cdc-slot.js';
import { isSlotBusy, streamError } from './cdc-stream-error.js';
import { formatLsn, type Lsn, parseLsn } from './lsn.js';
import { WATERMARK_SQL } from './outbox-decoder.js';

export interface CdcRelayStats extends CaptureStats {
  readonly mode: 'cdc';
  /** Events the broker refused `retry.maxAttempts` times, dead-lettered under the relay's name. */
  readonly deadLettered: number;
  /** The last position acknowledged to the server; null before the first start. */
  readonly lastLsn: string | null;
  /** WAL the slot held back at the last heartbeat; null until one has run. */
  readonly retainedWalBytes: number | null;
}

/** Streams the outbox from a replication slot to a broker log. */
export interface PostgresCdcRelay extends ChangeCapture {
  /**
   * Checks the slot and starts streaming from its confirmed position; resolves
   * once the server streams, or, when another relay holds the slot, at once as
   * a standby that takes over when the slot is released (a crashed holder's
   * connection is dropped by the server). `PS_ERR_STORE_UNAVAILABLE` when the
   * server cannot be reached, `PS_ERR_INVALID_CONFIG` when the slot does not exist.
   */
  start(): Promise<void>;
  /** Finishes and acknowledges a publish in flight, then closes the stream. */
  stop(): Promise<void>;
  stats(): CdcRelayStats;
  /** WAL the slot holds back now (`pg_current_wal_lsn() - restart_lsn`). */
  retainedWalBytes(): Promise<number>;
  /**
   * Writes a watermark into the WAL (callable from any process, relay running
   * or not): the relay streaming the slot publishes it to the broker once
   * every transaction that ended before the call is published, so views'
   * progress covers writes committed before it without waiting for a heartbeat.
   */
  settle(): Promise<void>;
}

const RECONNECT: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 100, maxDelayMs: 5_000 };
/** A session that lived this long starts the reconnect backoff afresh. */
const STABLE_SESSION_MS = 10_000;
/** How long start() waits for the previous holder of the slot (a just-stopped relay) to let go. */
const SLOT_BUSY_WAIT_MS = 10_000;

/**
 * Change data capture of the outbox (Debezium's outbox pattern): instead of
 * polling `_ps_outbox`, the relay streams its inserts from a logical
 * replication slot (`pgoutput`) and publishes them to a broker log, reporting a
 * transaction as consumed to the server only after its events were published.
 * After a crash or restart the server sends again everything not reported, so
 * delivery is at least once: the broker de-duplicates by `eventId`, and
 * projectors' version guards make any duplicate harmless.
 *
 * Events arrive in commit order and keep the position the polling reader would
 * give them, `(tx_id, seq)`; concurrent transactions can therefore arrive with
 * positions out of order.
 *
 * Set up the slot and publication once with `createCdcSlot()`; neither
 * importing nor constructing the relay touches the server.
 *
 * @example
 * import { createCdcSlot, postgresCdcRelay } from 'polystore/postgres-cdc';
 * import { jetstreamLog } from 'polystore/nats';
 * const target = { connectionString: process.env.DATABASE_URL, schema: 'app', slot: 'polystore_cdc', publication: 'polystore_outbox' };
 * await createCdcSlot(target);
 * const relay = postgresCdcRelay({ ...target, publisher: jetstreamLog({ servers: 'nats://localhost:4222' }) });
 * await relay.start();
 * process.on('SIGTERM', () => void relay.stop());
 */
export function postgresCdcRelay(options: PostgresCdcRelayOptions): PostgresCdcRelay {
  return new CdcRelay(resolveRelayOptions(options));
}

class CdcRelay implements PostgresCdcRelay {
  readonly #options: ResolvedRelayOptions;
  readonly #logger: Logger;
  #published = 0;
  /** The newest outbox position published by this process (the outbox rows up to it are no longer needed). */
  #newest: LogPosition | null = null;
  #failures = 0;
  #lastLsn: string | null = null;
  #retained: number | null = null;
  #pool: PgPoolLike | undefined;
  #session: CdcSession | undefined;
  #starting: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #stopRequested = false;
  #wake: (() => void) | undefined;
  #beatTimer: NodeJS.Timeout | undefined;
  #beat: Promise<void> | undefined;
  /** A small pool for settle() in a process that does not stream (a writer). */
  #settlePool: PgPoolLike | undefined;
  #deadLettered = 0;

  constructor(options: ResolvedRelayOptions) {
    this.#options = options;
    this.#logger = options.logger ?? stderrLogger;
  }

  get name(): string {
    return `cdc_${this.#options.slot}`;
  }

  /** Nothing to poll: the server streams each commit as it happens. */
  wake(): void {}

  /**
   * The publication streams inserts from the WAL, never the rows themselves,
   * so an outbox row is not needed once published. Positions published by
   * this process only: after a restart, nothing until the first publish.
   */
  async prunablePosition(): Promise<LogPosition | null> {
    return this.#newest;
  }

  async settle(): Promise<void> {
    this.#settlePool ??= await openPool(this.#options.client);
    try {
      await (this.#pool ?? this.#settlePool).query(WATERMARK_SQL);
    } catch (err) {
      throw cdcError(err, 'writing a watermark', this.#options.target);
    }
  }

  stats(): CdcRelayStats {
    return {
      mode: 'cdc',
      deadLettered: this.#deadLettered,
      published: this.#published,
      lastLsn: this.#lastLsn,
      retainedWalBytes: this.#retained,
      failures: this.#failures,
    };
  }

  async retainedWalBytes(): Promise<number> {
    const { client, slot, target } = this.#options;
    const pool = this.#pool ?? (await openPool(client));
    try {
      const status = await readSlotStatus(pool, slot, target);
      this.#retained = status.retainedWalBytes;
      return status.retainedWalBytes;
    } finally {
      if (pool !== this.#pool) await pool.end().catch(() => undefined);
    }
  }

  start(): Promise<void> {
    if (this.#loop) return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const driver = await loadReplication();
    const pool = await openPool(this.#options.client);
    this.#stopRequested = false;
    let session: CdcSession | undefined;
    try {
      await this.#probe(pool);
      session = await this.#openFirstSession(driver, pool);
    } catch (err) {
      if (!isSlotBusy(err)) {
        await pool.end().catch(() => undefined);
        throw err;
      }
      // Another relay streams from the slot: stand by and take over when it lets go.
      this.#logger.info({ relay: this.#options.slot }, 'postgres CDC slot is in use by another relay; standing by');
    }
    this.#pool = pool;
    this.#session = session;
    this.#loop = this.#supervise(driver, pool, session);
    this.#scheduleBeat();
  }

  async stop(): Promise<void> {
    const settlePool = this.#settlePool;
    this.#settlePool = undefined;
    await settlePool?.end().catch(() => undefined);
    await this.#starting?.catch(() => undefined);
    const loop = this.#loop;
    if (!loop) return;
    this.#stopRequested = true;
    clearTimeout(this.#beatTimer);
    this.#wake?.();
    await this.#session?.close();
    await loop;
    await this.#beat;
    const pool = this.#pool!;
    await this.#awaitSlotReleased(pool).catch(() => undefined);
    await pool.end().catch(() => undefined);
    this.#pool = undefined;
    this.#loop = undefined;
  }

  /** One round trip before streaming: a server that is down fails start() with its URL redacted. */
  async #probe(pool: PgPoolLike): Promise<void> {
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      throw openError(err, this.#options.target);
    }
  }

  async #openFirstSession(driver: ReplicationModuleLike, pool: PgPoolLike): Promise<CdcSession> {
    const deadline = Date.now() + SLOT_BUSY_WAIT_MS;
    for (;;) {
      try {
        return await this.#openSession(driver, pool);
      } catch (err) {
        if (!isSlotBusy(err) || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async #openSession(driver: ReplicationModuleLike, pool: PgPoolLike): Promise<CdcSession> {
    const { slot, target } = this.#options;
    const status = await readSlotStatus(pool, slot, target);
    if (!status.exists || status.confirmedFlushLsn === null) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The replication slot "${slot}" does not exist`, {
        field: 'slot',
        fix: 'create it (and its publication) with createCdcSlot() before starting the relay',
      });
    }
    const session = new CdcSession(driver, this.#sessionSettings(), parseLsn(status.confirmedFlushLsn));
    const broken = await Promise.race([
      session.started.then(() => undefined),
      session.ended.then((reason) => reason ?? new Error('the replication stream closed before it started')),
    ]);
    if (broken !== undefined) {
      await session.close();
      throw this.#streamError(broken);
    }
    this.#lastLsn = formatLsn(session.confirmed);
    return session;
  }

  #sessionSettings() {
    const { client, schema, slot, publication, publisher, batchSize, retry, deadLetters } = this.#options;
    return {
      client,
      schema,
      slot,
      publication,
      publisher,
      batchSize,
      retry,
      deadLetters,
      name: this.name,
      onConfirmed: (lsn: Lsn) => {
        this.#lastLsn = formatLsn(lsn);
      },
      onPublished: (events: readonly ChangeEvent[], deadLettered: readonly ChangeEvent[]) => {
        this.#published += events.length - deadLettered.length;
        this.#deadLettered += deadLettered.length;
        for (const event of deadLettered) {
          this.#logger.warn({ relay: slot, eventId: event.eventId }, 'the broker refused an event; dead-lettered');
        }
        for (const event of events)
          if (this.#newest === null || event.position > this.#newest) this.#newest = event.position;
      },
      onPublishFailure: (err: unknown, attempt: number) => {
        this.#failures++;
        this.#logger.warn(
          { relay: slot, error: describeError(err), attempt },
          'postgres CDC relay could not publish, retrying (nothing is acknowledged meanwhile)',
        );
      },
    };
  }

  /** Reopens the stream whenever it breaks, with backoff, until stop(). */
  async #supervise(driver: ReplicationModuleLike, pool: PgPoolLike, first: CdcSession | undefined): Promise<void> {
    let session: CdcSession | undefined = first;
    let openedAt = Date.now();
    let attempt = 0;
    for (;;) {
      if (session !== undefined) {
        const reason = await session.ended;
        await session.close();
        this.#session = undefined;
        session = undefined;
        if (this.#stopRequested) return;
        this.#failures++;
        attempt = Date.now() - openedAt > STABLE_SESSION_MS ? 1 : attempt + 1;
        this.#logger.warn(
          { relay: this.#options.slot, error: describeError(reason), attempt },
          'postgres CDC stream broke; resuming from the slot',
        );
      }
      while (session === undefined && !this.#stopRequested) {
        await this.#sleep(backoffDelay(RECONNECT, Math.min(attempt, 8)));
        if (this.#stopRequested) return;
        try {
          session = await this.#openSession(driver, pool);
          openedAt = Date.now();
        } catch (err) {
          attempt++;
          // A standby waits quietly for the slot; anything else is a failure worth a warning.
          if (isSlotBusy(err)) continue;
          this.#failures++;
          this.#logger.warn(
            { relay: this.#options.slot, error: describeError(err), attempt },
            'postgres CDC relay could not resume streaming, retrying',
          );
        }
      }
      if (session === undefined) return;
      if (this.#stopRequested) {
        await session.close();
        return;
      }
      this.#session = session;
    }
  }

  #scheduleBeat(): void {
    this.#beatTimer = setTimeout(() => {
      this.#beat = this.#heartbeat().finally(() => {
        this.#beat = undefined;
        if (!this.#stopRequested) this.#scheduleBeat();
      });
    }, this.#options.heartbeatMs);
  }

  /**
   * Reports the position (asking the server to answer, which proves the
   * connection alive) and writes a watermark message to the WAL (as Debezium's
   * heartbeat action query does): the server decodes past it and sends a
   * keepalive, which the session confirms when it holds nothing unpublished,
   * so a slot on an idle or filtered database keeps advancing instead of
   * holding WAL back; and the watermark moves views' progress while no one
   * waits on it. One tiny WAL record and transaction per beat.
   */
  async #heartbeat(): Promise<void> {
    const session = this.#session;
    const pool = this.#pool;
    if (session === undefined || pool === undefined) return;
    const silence = Math.max(3 * this.#options.heartbeatMs, 30_000);
    if (session.silentFor(silence)) {
      session.fail(new Error(`no message from the server for ${silence} ms`));
      return;
    }
    session.sendStatus(true);
    try {
      await pool.query(WATERMARK_SQL);
      this.#retained = (await readSlotStatus(pool, this.#options.slot, this.#options.target)).retainedWalBytes;
    } catch (err) {
      this.#logger.debug({ relay: this.#options.slot, error: describeError(err) }, 'postgres CDC heartbeat failed');
    }
  }

  async #awaitSlotReleased(pool: PgPoolLike): Promise<void> {
    const deadline = Date.now() + SLOT_BUSY_WAIT_MS;
    while (Date.now() < deadline) {
      const status = await readSlotStatus(pool, this.#options.slot, this.#options.target);
      if (!status.active) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  #streamError(err: unknown): PolystoreError {
    return streamError(err, this.#options.slot, this.#options.target);
  }

  #sleep(ms: number): Promise<void> {
    return wakeableSleep(ms, (wake) => {
      this.#wake = wake;
    });
  }
}
