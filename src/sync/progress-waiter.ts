import type { LogPosition } from '../contracts/log-position.js';
import { PolystoreError } from '../errors/index.js';
import { wakeableSleep } from '../runtime/wakeable-sleep.js';
import type { ProgressTracker } from './progress-tracker.js';
import type { Projector } from './projector.js';

/** How often a read-your-writes wait polls durable progress (reads are shared by concurrent waits). */
const PROGRESS_POLL_MS = 5;
/** How often a wait that is still behind asks the capture for a new watermark. */
const SETTLE_EVERY_MS = 100;

/**
 * Waits for views to reach a log position: on this process's projectors when
 * they read an in-order log (their positions are exact there), else on the
 * durable progress any process reads from the log, polled and woken early
 * when a projector here acknowledges.
 */
export class ProgressWaiter {
  /** Ends the naps of progress waits early: a projector here acknowledged. */
  readonly #wakers = new Set<() => void>();

  constructor(
    private readonly tracker: ProgressTracker,
    private readonly projectors: ReadonlyMap<string, Projector>,
    /** Whether this process's projectors run over an in-order log (see the class comment). */
    private readonly exactHere: () => boolean,
  ) {}

  /** A projector here acknowledged: waits polling durable progress look again now. */
  wake(): void {
    for (const wake of this.#wakers) wake();
  }

  /**
   * Waits until every view of `names` (known names) has applied every event up
   * to `position`; throws `PS_ERR_CONSISTENCY_TIMEOUT` after `timeoutMs`.
   */
  async waitFor(position: LogPosition, names: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const abort = new AbortController();
    try {
      let waiting = await this.#behind(names, position);
      let settledAt = Number.NEGATIVE_INFINITY;
      while (waiting.length > 0) {
        const now = Date.now();
        const left = deadline - now;
        if (left <= 0) {
          throw new PolystoreError(
            'PS_ERR_CONSISTENCY_TIMEOUT',
            `Views did not apply the write within ${timeoutMs} ms (behind: ${waiting.join(', ')})`,
            {
              fix: "raise `timeoutMs`, check `polystore status` for a stalled projector, or read with consistency 'strong'",
              details: { behind: waiting, timeoutMs },
            },
          );
        }
        if (now - settledAt >= SETTLE_EVERY_MS) {
          // A CDC capture proves progress with WAL watermarks: ask for one now
          // rather than waiting for its heartbeat (again later if still behind).
          this.tracker.settle();
          settledAt = now;
        }
        await this.#nap(waiting, position, Math.min(left, SETTLE_EVERY_MS), abort.signal);
        waiting = await this.#behind(waiting, position);
      }
    } finally {
      // Removes this wait's waiters from the projectors: a timed-out wait leaves nothing behind.
      abort.abort();
    }
  }

  /** The views among `names` whose handled prefix is still before `position`. */
  async #behind(names: readonly string[], position: LogPosition): Promise<string[]> {
    const through = await Promise.all(
      names.map((name) => (this.exactHere() ? this.#projector(name).position : this.tracker.through(name))),
    );
    return names.filter((_, i) => {
      const at = through[i];
      return at === null || at === undefined || at < position;
    });
  }

  /** Sleeps until a view here advances or acknowledges, or `ms` pass (progress elsewhere is polled). */
  async #nap(names: readonly string[], position: LogPosition, ms: number, signal: AbortSignal): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    if (this.exactHere()) {
      // Waiters live for this nap only: aborting removes them from the projectors.
      const nap = new AbortController();
      const stop = () => nap.abort();
      signal.addEventListener('abort', stop, { once: true });
      await Promise.race([Promise.all(names.map((n) => this.#projector(n).waitFor(position, nap.signal))), timeout]);
      nap.abort();
      signal.removeEventListener('abort', stop);
    } else {
      let wake: (() => void) | undefined;
      await wakeableSleep(Math.min(ms, PROGRESS_POLL_MS), (w) => {
        wake = w;
        this.#wakers.add(w);
      });
      if (wake) this.#wakers.delete(wake);
    }
    clearTimeout(timer);
  }

  #projector(name: string): Projector {
    return this.projectors.get(name)!;
  }
}
