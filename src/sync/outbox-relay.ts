import type { CaptureStats, ChangeCapture } from '../contracts/change-capture.js';
import type { EventPublisher } from '../contracts/event-log.js';
import type { HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';
import { publishGuarded } from '../runtime/guarded-publish.js';
import { describeError, type Logger } from '../runtime/logger.js';
import { backoffDelay, type RetryPolicy } from '../runtime/retry-policy.js';
import { wakeableSleep } from '../runtime/wakeable-sleep.js';

export interface OutboxRelayOptions {
  /** Checkpoint name in the home (default `relay:<log name>`). */
  readonly name: string;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
}

export interface RelayStats extends CaptureStats {
  /** The last position published and checkpointed. */
  readonly position: LogPosition | null;
  /** Events the broker refused `retry.maxAttempts` times, dead-lettered under the relay's name. */
  readonly deadLettered: number;
}

/**
 * Moves committed outbox events from the home to a broker log, in log order.
 * It publishes a batch, then records its checkpoint in the home; a crash in
 * between publishes the batch again, which the broker de-duplicates by event
 * id and projectors' version guards make harmless in any case. Failures
 * (broker or home down) are retried with backoff, never skipped; an event the
 * broker refuses (one it cannot carry) is dead-lettered under the relay's
 * name after `retry.maxAttempts`, so it never holds the others back.
 *
 * Progress: each batch is published with the relay's `settled` position
 * (every event up to it is confirmed in the broker), and once the outbox is
 * drained a watermark carries the last one, so a consumer's acknowledged
 * floor in the broker tells how far it has handled the outbox without gaps.
 *
 * @example
 * const relay = new OutboxRelay(home, jetstream, { name: 'relay:jetstream', batchSize: 500, pollIntervalMs: 20, retry, logger });
 * await relay.start();
 */
export class OutboxRelay implements ChangeCapture {
  #position: LogPosition | null = null;
  /** The newest `settled` bound a watermark carried. */
  #watermarked: LogPosition | null = null;
  #deadLettered = 0;
  #published = 0;
  #failures = 0;
  #stopRequested = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    private readonly home: HomeStore,
    private readonly publisher: EventPublisher,
    private readonly options: OutboxRelayOptions,
  ) {}

  /** Its checkpoint name in the home. */
  get name(): string {
    return this.options.name;
  }

  stats(): RelayStats {
    return {
      mode: 'outbox',
      published: this.#published,
      position: this.#position,
      failures: this.#failures,
      deadLettered: this.#deadLettered,
    };
  }

  /** What it published is in the broker: the outbox keeps nothing for it beyond its checkpoint. */
  prunablePosition(): Promise<LogPosition | null> {
    return this.home.getCheckpoint(this.options.name);
  }

  async start(): Promise<void> {
    if (this.#loop) return;
    this.#stopRequested = false;
    this.#position = await this.home.getCheckpoint(this.options.name);
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopRequested = true;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
  }

  wake(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopRequested) {
      try {
        const events = await this.home.readOutbox(this.#position, this.options.batchSize);
        if (events.length === 0) {
          await this.#watermark(this.#position);
          await this.#sleep(this.options.pollIntervalMs);
          continue;
        }
        // The outbox is read in order: every event up to #position is confirmed in the broker.
        const { done, deadLettered } = await publishGuarded(events, this.#position, {
          publisher: this.publisher,
          retry: this.options.retry,
          consumer: this.options.name,
          deadLetters: { add: (letter) => this.home.addDeadLetter(letter) },
          sleep: (ms) => this.#sleep(ms),
          stopped: () => this.#stopRequested,
          onFailure: (err, attempt) => {
            this.#failures++;
            this.options.logger.warn(
              { relay: this.options.name, error: describeError(err), attempt },
              'outbox relay could not publish, retrying',
            );
          },
        });
        if (!done) continue;
        for (const event of deadLettered) {
          this.options.logger.warn(
            { relay: this.options.name, eventId: event.eventId },
            'the broker refused an event; dead-lettered',
          );
        }
        this.#deadLettered += deadLettered.length;
        const last = events.at(-1)!.position;
        // A short batch drained the outbox: say so at once (the broker confirmed the
        // batch, which is all a watermark claims), before the checkpoint write.
        if (events.length < this.options.batchSize) await this.#watermark(last);
        await this.home.setCheckpoint(this.options.name, last);
        this.#position = last;
        this.#published += events.length - deadLettered.length;
        failures = 0;
      } catch (err) {
        failures++;
        this.#failures++;
        this.options.logger.warn(
          { relay: this.options.name, error: describeError(err), failures },
          'outbox relay failed, retrying',
        );
        await this.#sleep(backoffDelay(this.options.retry, Math.min(failures, 8)));
      }
    }
  }

  /** Publishes `settled` as a watermark, unless the last one carried it already. */
  async #watermark(settled: LogPosition | null): Promise<void> {
    if (settled === null || settled === this.#watermarked) return;
    await this.publisher.publishWatermark(settled);
    this.#watermarked = settled;
  }

  #sleep(ms: number): Promise<void> {
    return wakeableSleep(ms, (wake) => {
      this.#wake = wake;
    });
  }
}
