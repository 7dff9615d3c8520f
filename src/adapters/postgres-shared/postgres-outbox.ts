import type { ChangeEvent, NewChangeEvent } from '../../contracts/change-event.js';
import { type LogPosition, outboxPosition } from '../../contracts/log-position.js';
import { quoteIdent } from '../../runtime/identifier.js';
import {
  type OutboxEventRow,
  outboxEventValues,
  parsePositionArgument,
  toChangeEvent,
} from '../sql-shared/outbox-events.js';
import { toNumber } from '../sql-shared/row-values.js';
import { assertCount } from '../sql-shared/sql-arguments.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import type { PgExecutor } from './pg-executor.js';
import { runQuery } from './pg-query.js';
import { POSTGRES_MAX_ID_BYTES } from './postgres-ddl.js';
import { COLUMN_CODEC } from './row-codec.js';

const APPEND_OUTBOX = loadSql('append-outbox.sql', import.meta.url);
const APPEND_OUTBOX_MANY = loadSql('append-outbox-many.sql', import.meta.url);
const READ_OUTBOX = loadSql('read-outbox.sql', import.meta.url);
const OUTBOX_HEAD = loadSql('outbox-head.sql', import.meta.url);
const PRUNE_OUTBOX = loadSql('prune-outbox.sql', import.meta.url);

interface PositionRow {
  tx_id: string;
  seq: string;
}

interface OutboxRow extends PositionRow, OutboxEventRow {}

/** The outbox table: appended inside write transactions, read back in an order that skips nothing. */
export class PostgresOutbox {
  readonly #append: string;
  readonly #appendMany: string;
  readonly #read: string;
  readonly #head: string;
  readonly #prune: string;

  constructor(
    private readonly driver: string,
    schema: string,
  ) {
    const fragments = { schema: quoteIdent(schema, 'schema') };
    this.#append = renderSql(APPEND_OUTBOX, fragments);
    this.#appendMany = renderSql(APPEND_OUTBOX_MANY, fragments);
    this.#read = renderSql(READ_OUTBOX, fragments);
    this.#head = renderSql(OUTBOX_HEAD, fragments);
    this.#prune = renderSql(PRUNE_OUTBOX, fragments);
  }

  async append(exec: PgExecutor, event: NewChangeEvent): Promise<LogPosition> {
    // tx_id is not a parameter: the column defaults to the writing transaction's id.
    const params = outboxEventValues(event, POSTGRES_MAX_ID_BYTES);
    const rows = await runQuery<PositionRow>(exec, this.#append, params, this.#context('appending to the outbox'));
    const row = rows[0]!;
    return outboxPosition(row.tx_id, row.seq);
  }

  /** Appends `events` with one statement, in order; returns the last one's position. */
  async appendMany(exec: PgExecutor, events: readonly NewChangeEvent[]): Promise<LogPosition | null> {
    if (events.length === 0) return null;
    const columns: (string | null)[][] = [[], [], [], [], []];
    for (const event of events) {
      for (const [i, value] of outboxEventValues(event, POSTGRES_MAX_ID_BYTES).entries()) {
        columns[i]!.push(value === null ? null : String(value));
      }
    }
    const rows = await runQuery<PositionRow>(exec, this.#appendMany, columns, this.#context('appending to the outbox'));
    const row = rows[0]!;
    return outboxPosition(row.tx_id, row.seq);
  }

  async read(exec: PgExecutor, after: LogPosition | null, limit: number): Promise<ChangeEvent[]> {
    assertCount(limit, 'limit');
    const { txId, seq } = after === null ? { txId: '0', seq: '0' } : parsePositionArgument(after);
    const rows = await runQuery<OutboxRow>(exec, this.#read, [txId, seq, limit], this.#context('reading the outbox'));
    return rows.map((row) => toChangeEvent(row, COLUMN_CODEC, outboxPosition(row.tx_id, row.seq)));
  }

  async head(exec: PgExecutor): Promise<LogPosition | null> {
    const rows = await runQuery<PositionRow>(exec, this.#head, [], this.#context('reading the outbox head'));
    return rows[0] ? outboxPosition(rows[0].tx_id, rows[0].seq) : null;
  }

  async prune(exec: PgExecutor, upTo: LogPosition): Promise<number> {
    const { txId, seq } = parsePositionArgument(upTo);
    const rows = await runQuery<{ pruned: unknown }>(
      exec,
      this.#prune,
      [txId, seq],
      this.#context('pruning the outbox'),
    );
    return toNumber(rows[0]?.pruned ?? 0);
  }

  #context(action: string) {
    return { driver: this.driver, action };
  }
}
