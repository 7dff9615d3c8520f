import type { ChangeEvent, NewChangeEvent } from '../../contracts/change-event.js';
import { type LogPosition, outboxPosition } from '../../contracts/log-position.js';
import { isPolystoreError, PolystoreError } from '../../errors/index.js';
import {
  type OutboxEventRow,
  outboxEventValues,
  parsePositionArgument,
  toChangeEvent,
} from '../sql-shared/outbox-events.js';
import { toNumber } from '../sql-shared/row-values.js';
import { assertCount } from '../sql-shared/sql-arguments.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import { type HomeNames, MAX_ID_BYTES } from './mysql-ddl.js';
import type { MysqlExecutor } from './mysql-driver.js';
import { selectRows, writeRows } from './mysql-query.js';
import { COLUMN_CODEC } from './mysql-row-codec.js';
import { raw, repeatGroup, SqlBySize } from './mysql-sql.js';

const REGISTER_WRITER = loadSql('register-writer.sql', import.meta.url);
const UNREGISTER_WRITER = loadSql('unregister-writer.sql', import.meta.url);
const OUTBOX_FENCE = loadSql('outbox-fence.sql', import.meta.url);
const REAP_WRITERS = loadSql('reap-writers.sql', import.meta.url);
const APPEND_OUTBOX = loadSql('append-outbox.sql', import.meta.url);
const APPEND_OUTBOX_MANY = loadSql('append-outbox-many.sql', import.meta.url);
/** Events per multi-row INSERT: 6 placeholders each, under the limit of 65,535 and the packet size. */
const EVENTS_PER_STATEMENT = 500;
const READ_OUTBOX = loadSql('read-outbox.sql', import.meta.url);
const OUTBOX_HEAD = loadSql('outbox-head.sql', import.meta.url);
const PRUNE_OUTBOX = loadSql('prune-outbox.sql', import.meta.url);

interface OutboxRow extends OutboxEventRow {
  tx_no: string;
  seq: string;
}

/**
 * The outbox: appended inside write transactions, read back in (tx_no, seq)
 * order below a horizon that no running transaction can fall under, so a
 * transaction that started writing first but commits last is never skipped.
 * outbox-fence.sql states the scheme and why it holds.
 */
export class MysqlOutbox {
  readonly #register: string;
  readonly #unregister: string;
  readonly #fence: string;
  readonly #reap: string;
  readonly #append: string;
  readonly #appendMany: SqlBySize;
  readonly #read: string;
  readonly #head: string;
  readonly #prune: string;

  constructor(
    private readonly target: string,
    names: HomeNames,
  ) {
    const fragments = { outbox: names.outbox, writers: names.writers, sequence: names.txSequence };
    this.#register = renderSql(REGISTER_WRITER, fragments);
    this.#unregister = renderSql(UNREGISTER_WRITER, fragments);
    this.#fence = renderSql(OUTBOX_FENCE, fragments);
    this.#reap = renderSql(REAP_WRITERS, fragments);
    this.#append = renderSql(APPEND_OUTBOX, fragments);
    this.#appendMany = new SqlBySize((count) =>
      renderSql(APPEND_OUTBOX_MANY, {
        ...fragments,
        events: repeatGroup('(CAST(? AS UNSIGNED), ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))', count),
      }),
    );
    this.#read = renderSql(READ_OUTBOX, fragments);
    this.#head = renderSql(OUTBOX_HEAD, fragments);
    this.#prune = renderSql(PRUNE_OUTBOX, fragments);
  }

  /** Registers the transaction on `connection` as a writer; returns its tx_no. Call before its first append. */
  async register(connection: MysqlExecutor): Promise<string> {
    try {
      const rows = await selectRows<{ tx_no: string }>(connection, raw(this.#register), this.#context('registering'));
      return rows[0]!.tx_no;
    } catch (err) {
      if (isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE')) throw err;
      throw new PolystoreError(
        'PS_ERR_STORE_QUERY',
        'The mysql home could not register a transaction as an outbox writer',
        {
          cause: err,
          fix: 'run ensureSchema(); check that the user may use GET_LOCK and NEXTVAL on the home database',
        },
      );
    }
  }

  /** Ends the registration; only after the transaction's COMMIT or ROLLBACK has returned. */
  async unregister(connection: MysqlExecutor): Promise<void> {
    await writeRows(connection, raw(this.#unregister), this.#context('unregistering'));
  }

  async append(connection: MysqlExecutor, txNo: string, event: NewChangeEvent): Promise<LogPosition> {
    const values = [txNo, ...outboxEventValues(event, MAX_ID_BYTES)];
    const rows = await selectRows<{ seq: string }>(
      connection,
      { text: this.#append, values },
      this.#context('appending to'),
    );
    return outboxPosition(txNo, rows[0]!.seq);
  }

  /**
   * Appends `events` in order with multi-row INSERTs (append-outbox-many.sql);
   * returns the last one's position. Every event is checked before any is written.
   */
  async appendMany(connection: MysqlExecutor, txNo: string, events: readonly NewChangeEvent[]): Promise<LogPosition> {
    const values = events.map((event) => [txNo, ...outboxEventValues(event, MAX_ID_BYTES)]);
    let last = 0n;
    for (let i = 0; i < values.length; i += EVENTS_PER_STATEMENT) {
      const chunk = values.slice(i, i + EVENTS_PER_STATEMENT);
      const rows = await selectRows<{ seq: string }>(
        connection,
        { text: this.#appendMany.get(chunk.length), values: chunk.flat() },
        this.#context('appending to'),
      );
      for (const row of rows) if (BigInt(row.seq) > last) last = BigInt(row.seq);
    }
    return outboxPosition(txNo, last.toString());
  }

  async read(exec: MysqlExecutor, after: LogPosition | null, limit: number): Promise<ChangeEvent[]> {
    assertCount(limit, 'limit');
    const { txId, seq } = after === null ? { txId: '0', seq: '0' } : parsePositionArgument(after);
    const horizon = await this.#horizon(exec);
    const values = [txId, txId, seq, horizon, limit];
    const rows = await selectRows<OutboxRow>(exec, { text: this.#read, values }, this.#context('reading'));
    return rows.map((row) => toChangeEvent(row, COLUMN_CODEC, outboxPosition(row.tx_no, row.seq)));
  }

  async head(exec: MysqlExecutor): Promise<LogPosition | null> {
    const horizon = await this.#horizon(exec);
    const rows = await selectRows<{ tx_no: string; seq: string }>(
      exec,
      { text: this.#head, values: [horizon] },
      this.#context('reading the head of'),
    );
    return rows[0] ? outboxPosition(rows[0].tx_no, rows[0].seq) : null;
  }

  async prune(exec: MysqlExecutor, upTo: LogPosition): Promise<number> {
    const { txId, seq } = parsePositionArgument(upTo);
    const values = [txId, txId, seq];
    const { affectedRows } = await writeRows(exec, { text: this.#prune, values }, this.#context('pruning'));
    return affectedRows;
  }

  /** min(fence, oldest live writer's tx_no): events below it are settled (outbox-fence.sql). */
  async #horizon(exec: MysqlExecutor): Promise<string> {
    const [row] = await selectRows<{ fence: string; oldest_live: string | null; dead: unknown }>(
      exec,
      raw(this.#fence),
      this.#context('fencing'),
    );
    const fence = BigInt(row!.fence);
    const oldest = row!.oldest_live === null ? fence : BigInt(row!.oldest_live);
    if (toNumber(row!.dead) > 0) await writeRows(exec, raw(this.#reap), this.#context('reaping writers of'));
    return (oldest < fence ? oldest : fence).toString();
  }

  #context(verb: string) {
    return { target: this.target, action: `${verb} the outbox` };
  }
}
