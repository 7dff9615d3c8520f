/** How a projector retries a failing apply before dead-lettering it. */
export interface RetryPolicy {
  /** Attempts per event before it goes to the dead-letter store (default 5). */
  readonly maxAttempts: number;
  /** First backoff delay in ms (default 20), doubled each attempt. */
  readonly baseDelayMs: number;
  /** Cap on one delay (default 2000). */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 2000 };

/** Exponential backoff with full jitter; `attempt` starts at 1. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
