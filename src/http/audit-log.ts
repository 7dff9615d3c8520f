import type { Logger } from '../runtime/logger.js';

/** One admin action as the audit log keeps it. */
export interface AuditEntry {
  readonly at: string;
  /** The API key id, or `loopback` when the server runs without keys. */
  readonly who: string;
  /** `METHOD /route` as declared (`POST /admin/sagas/:id/cancel`). */
  readonly action: string;
  /** The view, saga id or batch filter acted on, when there is one. */
  readonly target: string | null;
  readonly outcome: 'ok' | 'refused' | 'failed';
  /** The error code of a refused or failed action. */
  readonly code: string | null;
}

/**
 * Who did what to the deployment, and how it ended: each admin action that
 * changes something is written to the logger (`audit` field) and kept in a
 * ring of the newest `capacity` entries (`GET /admin/audit`).
 */
export class AuditLog {
  readonly #ring: AuditEntry[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly capacity = 1000,
  ) {}

  record(entry: Omit<AuditEntry, 'at'>): void {
    const full: AuditEntry = { at: new Date().toISOString(), ...entry };
    this.#ring.push(full);
    if (this.#ring.length > this.capacity) this.#ring.shift();
    this.logger.info({ audit: full }, `admin ${entry.action} by ${entry.who}: ${entry.outcome}`);
  }

  /** Newest first. */
  list(limit = this.capacity): AuditEntry[] {
    return this.#ring.slice(-limit).reverse();
  }
}
