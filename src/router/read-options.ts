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
  /** Longest wait for read-your-writes (or a fresh enough view), in ms (default: the model's `readTimeoutMs`, 5000). */
  readonly timeoutMs?: number;
  /**
   * Serve from a view only if it holds every change committed more than this
   * many ms ago (judged from its durable progress, in any process); else read
   * the home, or wait (`onStale`). A bounded read never returns older data.
   */
  readonly maxStalenessMs?: number;
  /**
   * A view too stale for `maxStalenessMs`: `'home'` reads the home instead
   * (the default where the home can answer: get, getMany); `'wait'` waits for
   * the view up to `timeoutMs` (the only choice for search, graph, analytics).
   */
  readonly onStale?: 'home' | 'wait';
}
