import type { DeadLetter, NewDeadLetter } from '../../contracts/dead-letter.js';
import type { StateRecord } from '../../contracts/home-store.js';
import type { LogPosition } from '../../contracts/log-position.js';
import { type DeadLetterRow, deadLetterValues, toDeadLetter } from '../sql-shared/dead-letter-rows.js';
import { toNumber } from '../sql-shared/row-values.js';
import { assertName } from '../sql-shared/sql-arguments.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import type { HomeNames } from './mysql-ddl.js';
import type { MysqlExecutor } from './mysql-driver.js';
import { selectRows, writeRows } from './mysql-query.js';
import { COLUMN_CODEC } from './mysql-row-codec.js';
import { bind, raw, sql } from './mysql-sql.js';

const SET_CHECKPOINT = loadSql('set-checkpoint.sql', import.meta.url);
const ADD_DEAD_LETTER = loadSql('add-dead-letter.sql', import.meta.url);
const DEAD_LETTER_COLUMNS = 'id, consumer, event, attempts, error, failed_at';

/** Consumer checkpoints, dead letters and durable state values, kept in the home next to the outbox. */
export class MysqlSyncState {
  readonly #setCheckpoint: string;
  readonly #addDeadLetter: string;

  constructor(
    private readonly target: string,
    private readonly names: HomeNames,
  ) {
    this.#setCheckpoint = renderSql(SET_CHECKPOINT, { checkpoints: names.checkpoints });
    this.#addDeadLetter = renderSql(ADD_DEAD_LETTER, { deadLetters: names.deadLetters });
  }

  async getCheckpoint(exec: MysqlExecutor, consumer: string): Promise<LogPosition | null> {
    assertName(consumer, 'consumer');
    const query = sql`SELECT position FROM ${raw(this.names.checkpoints)} WHERE consumer = ${bind(consumer)}`;
    const rows = await selectRows<{ position: string }>(exec, query, this.#context('reading a checkpoint'));
    return rows[0]?.position ?? null;
  }

  async setCheckpoint(exec: MysqlExecutor, consumer: string, position: LogPosition): Promise<void> {
    assertName(consumer, 'consumer');
    assertName(position, 'position');
    const query = { text: this.#setCheckpoint, values: [consumer, position] };
    await writeRows(exec, query, this.#context('writing a checkpoint'));
  }

  async addDeadLetter(exec: MysqlExecutor, letter: NewDeadLetter): Promise<DeadLetter> {
    const values = deadLetterValues(letter);
    const rows = await selectRows<DeadLetterRow>(
      exec,
      { text: this.#addDeadLetter, values },
      this.#context('adding a dead letter'),
    );
    return toDeadLetter(rows[0]!, COLUMN_CODEC);
  }

  async listDeadLetters(exec: MysqlExecutor, consumer?: string): Promise<DeadLetter[]> {
    if (consumer !== undefined) assertName(consumer, 'consumer');
    const from = raw(`SELECT ${DEAD_LETTER_COLUMNS} FROM ${this.names.deadLetters}`);
    const query =
      consumer === undefined ? sql`${from} ORDER BY id` : sql`${from} WHERE consumer = ${bind(consumer)} ORDER BY id`;
    const rows = await selectRows<DeadLetterRow>(exec, query, this.#context('listing dead letters'));
    return rows.map((row) => toDeadLetter(row, COLUMN_CODEC));
  }

  async removeDeadLetter(exec: MysqlExecutor, id: string): Promise<boolean> {
    // Ids are AUTO_INCREMENT values as strings; 19 digits always fit a BIGINT
    // UNSIGNED, and anything else cannot name a dead letter.
    if (typeof id !== 'string' || !/^\d{1,19}$/.test(id)) return false;
    const query = sql`DELETE FROM ${raw(this.names.deadLetters)} WHERE id = CAST(${bind(id)} AS UNSIGNED)`;
    const { affectedRows } = await writeRows(exec, query, this.#context('removing a dead letter'));
    return affectedRows > 0;
  }

  #context(action: string) {
    return { target: this.target, action };
  }

  async readState(exec: MysqlExecutor, key: string): Promise<StateRecord | null> {
    assertName(key, 'key');
    const query = sql`SELECT value, revision, updated_ms FROM ${raw(this.names.state)} WHERE \`key\` = ${bind(key)}`;
    const rows = await selectRows<{ value: unknown; revision: unknown; updated_ms: unknown }>(
      exec,
      query,
      this.#context('reading a state value'),
    );
    const row = rows[0];
    if (!row) return null;
    return {
      value: COLUMN_CODEC.decodeJson(row.value),
      revision: toNumber(row.revision),
      updatedAt: toNumber(row.updated_ms),
    };
  }

  async writeState(exec: MysqlExecutor, key: string, value: unknown, expected: number | null): Promise<number | null> {
    assertName(key, 'key');
    const json = JSON.stringify(value);
    const now = raw('CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)');
    const table = raw(this.names.state);
    const query =
      expected === null
        ? sql`INSERT IGNORE INTO ${table} (\`key\`, value, revision, updated_ms) VALUES (${bind(key)}, ${bind(json)}, 1, ${now})`
        : sql`UPDATE ${table} SET value = ${bind(json)}, revision = revision + 1, updated_ms = ${now} WHERE \`key\` = ${bind(key)} AND revision = ${bind(expected)}`;
    const { affectedRows } = await writeRows(exec, query, this.#context('writing a state value'));
    return affectedRows === 1 ? (expected ?? 0) + 1 : null;
  }

  async deleteState(exec: MysqlExecutor, key: string): Promise<boolean> {
    assertName(key, 'key');
    const query = sql`DELETE FROM ${raw(this.names.state)} WHERE \`key\` = ${bind(key)}`;
    return (await writeRows(exec, query, this.#context('deleting a state value'))).affectedRows > 0;
  }
}
