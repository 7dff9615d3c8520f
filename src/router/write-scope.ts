import { createEventsOf, type NewChangeEvent } from '../contracts/change-event.js';
import type { EntityTableSpec, HomeTransaction, NewRow } from '../contracts/home-store.js';
import { type LogPosition, maxPosition } from '../contracts/log-position.js';

/**
 * One open home transaction as writes see it: the transaction, and the outbox
 * appends that give the transaction its write token (the position of its
 * newest event, which covers every event it appended before).
 */
export class WriteScope {
  #token: LogPosition | null = null;

  constructor(readonly tx: HomeTransaction) {}

  /** The token of everything appended so far; null before the first event. */
  get token(): LogPosition | null {
    return this.#token;
  }

  async append(event: NewChangeEvent): Promise<LogPosition> {
    return this.#note(await this.tx.appendOutbox(event));
  }

  /** Appends several events, in one statement where the home can. Returns the position of the last. */
  async appendMany(events: readonly NewChangeEvent[]): Promise<LogPosition | null> {
    if (this.tx.appendOutboxMany) {
      const last = await this.tx.appendOutboxMany(events);
      return last === null ? null : this.#note(last);
    }
    let last: LogPosition | null = null;
    for (const event of events) last = await this.append(event);
    return last;
  }

  /** Inserts a row and appends its create event, in one call where the home can. */
  async create(
    spec: EntityTableSpec,
    id: string,
    data: Record<string, unknown>,
    payload: Record<string, unknown>,
  ): Promise<{ version: number; position: LogPosition }> {
    if (this.tx.insertWithEvent) {
      const created = await this.tx.insertWithEvent(spec, id, data, payload);
      this.#note(created.position);
      return created;
    }
    const version = await this.tx.insert(spec, id, data);
    const position = await this.append({ entity: spec.entity, key: id, version, op: 'create', payload });
    return { version, position };
  }

  /**
   * Inserts rows and appends their create events (`payloads[i]` for
   * `rows[i]`), in one call where the home can, else one statement for the
   * rows and one for the events. Returns the versions in input order.
   */
  async createMany(
    spec: EntityTableSpec,
    rows: readonly NewRow[],
    payloads: readonly Record<string, unknown>[],
  ): Promise<number[]> {
    if (this.tx.insertManyWithEvents) {
      const created = await this.tx.insertManyWithEvents(spec, rows, payloads);
      this.#note(created.position);
      return created.versions;
    }
    const versions = await this.tx.insertMany!(spec, rows);
    await this.appendMany(createEventsOf(spec.entity, rows, versions, payloads));
    return versions;
  }

  #note(position: LogPosition): LogPosition {
    this.#token = maxPosition(this.#token, position);
    return position;
  }
}
