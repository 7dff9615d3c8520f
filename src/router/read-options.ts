import type { LogPosition } from '../contracts/log-position.js';

/**
 * - `eventual` (default): the fastest store that can answer (cache, index, view).
 * - `read-your-writes`: first waits until every view the read touches has applied
 *   the caller's last write (or `after`); times out with `PS_ERR_CONSISTENCY_TIMEOUT`.
 * - `strong`: the home only (not available for search, graph or analytics reads).
 */
export type ReadConsistency = 'eventual' | 'read-your-writes' | 'strong';

export interface ReadOptions {
  readonly consistency?: ReadConsistency;
  /** The write token to wait for (default: this client's last write). */
  readonly after?: LogPosition;
  /** Longest wait for read-your-writes, in ms (default: the model's `readTimeoutMs`, 5000). */
  readonly timeoutMs?: number;
}
