import type { ChangeEvent } from '../contracts/change-event.js';
import type { HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';

const START = '' as LogPosition;

/**
 * One reader of the home's outbox shared by every in-process consumer: the
 * newest events are read once (single flight) into a bounded buffer and each
 * consumer takes them from there at its own cursor. A consumer whose cursor
 * falls outside the buffer reads the home directly, so correctness never
 * depends on the buffer.
 *
 * Extending the buffer after its last event is safe because the outbox returns
 * only settled transactions: anything that becomes visible later sorts after
 * everything already returned.
 */
export class SharedOutboxReader {
  /** Events in (from, to], complete and in log order. */
  #events: ChangeEvent[] = [];
  #from: LogPosition | null = null;
  #to: LogPosition = START;
  #extending: Promise<void> | undefined;

  constructor(
    private readonly home: HomeStore,
    private readonly capacity = 20_000,
  ) {}

  /** Up to `max` events after `cursor` (null = from the start). */
  async read(cursor: LogPosition | null, max: number): Promise<ChangeEvent[]> {
    const at = cursor ?? START;
    if (this.#from === null) {
      this.#from = at;
      this.#to = at;
    }
    if (at === this.#to) await this.#extend(max);
    // Checked after extending: trimming the buffer may have moved its start past the cursor.
    if (at < this.#from || at > this.#to) return this.home.readOutbox(cursor, max);
    return this.#slice(at, max);
  }

  #slice(after: LogPosition, max: number): ChangeEvent[] {
    let lo = 0;
    let hi = this.#events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#events[mid]!.position <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.#events.slice(lo, lo + max);
  }

  #extend(max: number): Promise<void> {
    this.#extending ??= (async () => {
      try {
        const events = await this.home.readOutbox(this.#to === START ? null : this.#to, Math.max(max, 500));
        if (events.length === 0) return;
        this.#events.push(...events);
        this.#to = events.at(-1)!.position;
        if (this.#events.length > this.capacity && this.#events.length > events.length) {
          // Never drop what was just read: the consumer that asked for it has not taken it yet.
          const keep = Math.max(Math.floor(this.capacity / 2), events.length);
          const drop = this.#events.length - keep;
          this.#from = this.#events[drop - 1]!.position;
          this.#events = this.#events.slice(drop);
        }
      } finally {
        this.#extending = undefined;
      }
    })();
    return this.#extending;
  }
}
