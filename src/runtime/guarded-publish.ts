import type { ChangeEvent } from '../contracts/change-event.js';
import type { NewDeadLetter } from '../contracts/dead-letter.js';
import type { EventPublisher } from '../contracts/event-log.js';
import type { LogPosition } from '../contracts/log-position.js';
import { isPolystoreError } from '../errors/index.js';
import { describeError } from './logger.js';
import { backoffDelay, type RetryPolicy } from './retry-policy.js';

export interface GuardedPublishOptions {
  readonly publisher: EventPublisher;
  readonly retry: RetryPolicy;
  /** The relay's name: the `consumer` of its dead letters. */
  readonly consumer: string;
  /** Where an event the log keeps refusing goes; absent: it is retried until the log takes it. */
  readonly deadLetters?: { add(letter: NewDeadLetter): Promise<unknown> };
  readonly sleep: (ms: number) => Promise<void>;
  /** True once the caller is stopping: the publish gives up (nothing is recorded as published). */
  readonly stopped: () => boolean;
  /** Called for each failed publish attempt. */
  readonly onFailure: (err: unknown, attempt: number) => void;
}

export interface GuardedPublishResult {
  /** False when it gave up because the caller is stopping: nothing may be recorded as published. */
  readonly done: boolean;
  /** Events the log refused `retry.maxAttempts` times, now in the dead-letter store. */
  readonly deadLettered: readonly ChangeEvent[];
}

/**
 * Publishes a batch so that no event can block the others: a log that is
 * unreachable is retried with backoff for as long as it takes, while a batch
 * the log refuses (`PS_ERR_STORE_QUERY` and the like: an event it cannot
 * carry) is retried `retry.maxAttempts` times, then published event by event,
 * each refused event going to the dead-letter store after its own
 * `retry.maxAttempts` attempts. Events keep their order; `settled` is passed
 * through unchanged (it was true before this call began).
 *
 * @example
 * const { done } = await publishGuarded(events, settled, { publisher, retry, consumer: 'relay_jetstream', deadLetters, sleep, stopped, onFailure });
 */
export async function publishGuarded(
  events: readonly ChangeEvent[],
  settled: LogPosition | null,
  options: GuardedPublishOptions,
): Promise<GuardedPublishResult> {
  const whole = await attempt(() => options.publisher.publish(events, settled), options);
  if (whole.ok) return { done: true, deadLettered: [] };
  if (whole.stopped) return { done: false, deadLettered: [] };
  const deadLettered: ChangeEvent[] = [];
  for (const event of events) {
    const one = await attempt(() => options.publisher.publish([event], settled), options);
    if (one.ok) continue;
    if (one.stopped) return { done: false, deadLettered };
    await options.deadLetters!.add({
      consumer: options.consumer,
      event,
      attempts: options.retry.maxAttempts,
      error: describeError(one.error),
    });
    deadLettered.push(event);
  }
  return { done: true, deadLettered };
}

type Outcome = { ok: true } | { ok: false; stopped: true } | { ok: false; stopped: false; error: unknown };

/** Retries `publish` while the log is unreachable; gives up after `maxAttempts` refusals (when it can dead-letter). */
async function attempt(publish: () => Promise<void>, options: GuardedPublishOptions): Promise<Outcome> {
  let refusals = 0;
  for (let tries = 1; ; tries++) {
    try {
      await publish();
      return { ok: true };
    } catch (error) {
      options.onFailure(error, tries);
      if (options.stopped()) return { ok: false, stopped: true };
      if (!isTransient(error)) refusals++;
      if (options.deadLetters && refusals >= options.retry.maxAttempts) return { ok: false, stopped: false, error };
      await options.sleep(backoffDelay(options.retry, Math.min(isTransient(error) ? tries : refusals, 8)));
      if (options.stopped()) return { ok: false, stopped: true };
    }
  }
}

/**
 * A log that is down or closed may take the event later; anything the log
 * answered with a refusal may not. Errors that are not Polystore's (a
 * publisher of the application's own) count as transient: never dead-lettered.
 */
function isTransient(err: unknown): boolean {
  return (
    !isPolystoreError(err) ||
    isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE') ||
    isPolystoreError(err, 'PS_ERR_STORE_CLOSED')
  );
}
