import type { ChangeEvent } from './change-event.js';

/** An event a projector gave up on after its retries. */
export interface NewDeadLetter {
  /** The projector (view) that failed. */
  readonly consumer: string;
  readonly event: ChangeEvent;
  readonly attempts: number;
  /** The last error's code and message, secrets redacted, no parameter values. */
  readonly error: string;
}

export interface DeadLetter extends NewDeadLetter {
  readonly id: string;
  readonly failedAt: Date;
}
