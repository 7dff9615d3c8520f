import type { ChangeCapture } from '../contracts/change-capture.js';
import type { ConsumerProgress, EventLog } from '../contracts/event-log.js';
import type { LogPosition } from '../contracts/log-position.js';
import { describeError, type Logger } from '../runtime/logger.js';

/**
 * Reads views' durable progress from the log for any number of concurrent
 * waiters: reads of one view share a single request in flight, and requests
 * for a capture watermark (`ChangeCapture.settle`) collapse into at most one
 * running and one queued, so a burst of read-your-writes reads costs the log
 * and the home a few calls, not one per read.
 */
export class ProgressTracker {
  readonly #through = new Map<string, Promise<LogPosition | null>>();
  #settling: Promise<void> | undefined;
  #settleAgain = false;
  /** While closed, settle() asks nothing: the capture may have released its connections. */
  #closed = false;

  constructor(
    private readonly log: EventLog,
    private readonly capture: ChangeCapture | undefined,
    private readonly logger: Logger,
  ) {}

  /** The view's durable contiguous handled prefix (one read in flight per view). */
  through(view: string): Promise<LogPosition | null> {
    let read = this.#through.get(view);
    if (!read) {
      read = this.log.handledThrough(view).finally(() => this.#through.delete(view));
      this.#through.set(view, read);
    }
    return read;
  }

  progress(view: string): Promise<ConsumerProgress> {
    return this.log.progress(view);
  }

  /**
   * Asks the capture for a watermark covering every write that ended before
   * this call. A request made while one runs is served by the next run, which
   * starts after it (the running one may have read its snapshot too early).
   */
  settle(): void {
    const settle = this.capture?.settle?.bind(this.capture);
    if (!settle || this.#closed) return;
    if (this.#settling) {
      this.#settleAgain = true;
      return;
    }
    this.#settling = (async () => {
      do {
        this.#settleAgain = false;
        if (this.#closed) break;
        await settle().catch((err: unknown) =>
          this.logger.debug({ error: describeError(err) }, 'could not write a capture watermark'),
        );
      } while (this.#settleAgain);
    })().finally(() => {
      this.#settling = undefined;
    });
  }

  /** Stops asking the capture for watermarks and waits for a request in flight (before the capture stops). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#settling;
  }

  /** Asks for watermarks again (the engine started again). */
  open(): void {
    this.#closed = false;
  }
}
