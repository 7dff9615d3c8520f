import type { DeadLetter, NewDeadLetter } from '../../contracts/dead-letter.js';
import type { StateRecord } from '../../contracts/home-store.js';
import type { LogPosition } from '../../contracts/log-position.js';
import { quoteIdent } from '../../runtime/identifier.js';
import { type DeadLetterRow, deadLetterValues, toDeadLetter } from '../sql-shared/dead-letter-rows.js';
import { toNumber } from '../sql-shared/row-values.js';
import { assertName } from '../sql-shared/sql-arguments.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import type { PgExecutor } from './pg-executor.js';
import { runQuery } from './pg-query.js';
import { COLUMN_CODEC } from './row-codec.js';

const SET_CHECKPOINT = loadSql('set-checkpoint.sql', import.meta.url);
const ADD_DEAD_LETTER = loadSql('add-dead-letter.sql', import.meta.url);

/** Consumer checkpoints, dead letters and durable state values, kept in the home next to the outbox. */
export class PostgresSyncState {
  readonly #readState: string;
  readonly #insertState: string;
  readonly #updateState: string;
  readonly #deleteState: string;
  readonly #setCheckpoint: string;
  readonly #getCheckpoint: string;
  readonly #addDeadLetter: string;
  readonly #listDeadLetters: string;
  readonly #listConsumerDeadLetters: string;
  readonly #removeDeadLetter: string;

  constructor(
    private readonly driver: string,
    schema: string,
  ) {
    const s = quoteIdent(schema, 'schema');
    // Qualified so `ORDER BY d.id` sorts the bigint column, not the text alias.
    const columns = 'd.id::text AS id, d.consumer, d.event, d.attempts, d.error, d.failed_at';
    this.#setCheckpoint = renderSql(SET_CHECKPOINT, { schema: s });
    this.#getCheckpoint = `SELECT position FROM ${s}."_ps_checkpoints" WHERE consumer = $1::text`;
    this.#addDeadLetter = renderSql(ADD_DEAD_LETTER, { schema: s });
    this.#listDeadLetters = `SELECT ${columns} FROM ${s}."_ps_dead_letters" d ORDER BY d.id`;
    this.#listConsumerDeadLetters = `SELECT ${columns} FROM ${s}."_ps_dead_letters" d WHERE d.consumer = $1::text ORDER BY d.id`;
    this.#readState = `SELECT value, revision, floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_at FROM ${s}."_ps_state" WHERE key = $1::text`;
    this.#insertState = `INSERT INTO ${s}."_ps_state" (key, value, revision, updated_at) VALUES ($1::text, $2::jsonb, 1, clock_timestamp()) ON CONFLICT (key) DO NOTHING RETURNING revision`;
    this.#updateState = `UPDATE ${s}."_ps_state" SET value = $2::jsonb, revision = revision + 1, updated_at = clock_timestamp() WHERE key = $1::text AND revision = $3::bigint RETURNING revision`;
    this.#deleteState = `DELETE FROM ${s}."_ps_state" WHERE key = $1::text RETURNING key`;
    this.#removeDeadLetter = `DELETE FROM ${s}."_ps_dead_letters" WHERE id = $1::bigint RETURNING id`;
  }

  async getCheckpoint(exec: PgExecutor, consumer: string): Promise<LogPosition | null> {
    assertName(consumer, 'consumer');
    const rows = await runQuery<{ position: string }>(
      exec,
      this.#getCheckpoint,
      [consumer],
      this.#context('reading a checkpoint'),
    );
    return rows[0]?.position ?? null;
  }

  async setCheckpoint(exec: PgExecutor, consumer: string, position: LogPosition): Promise<void> {
    assertName(consumer, 'consumer');
    assertName(position, 'position');
    await runQuery(exec, this.#setCheckpoint, [consumer, position], this.#context('writing a checkpoint'));
  }

  async addDeadLetter(exec: PgExecutor, letter: NewDeadLetter): Promise<DeadLetter> {
    const params = deadLetterValues(letter);
    const rows = await runQuery<DeadLetterRow>(
      exec,
      this.#addDeadLetter,
      params,
      this.#context('adding a dead letter'),
    );
    return toDeadLetter(rows[0]!, COLUMN_CODEC);
  }

  async listDeadLetters(exec: PgExecutor, consumer?: string): Promise<DeadLetter[]> {
    if (consumer !== undefined) assertName(consumer, 'consumer');
    const [sql, params] =
      consumer === undefined ? [this.#listDeadLetters, []] : [this.#listConsumerDeadLetters, [consumer]];
    const rows = await runQuery<DeadLetterRow>(exec, sql, params, this.#context('listing dead letters'));
    return rows.map((row) => toDeadLetter(row, COLUMN_CODEC));
  }

  async removeDeadLetter(exec: PgExecutor, id: string): Promise<boolean> {
    // Ids are bigserial values as strings; 18 digits always fit a bigint, and
    // anything else cannot name a dead letter.
    if (typeof id !== 'string' || !/^\d{1,18}$/.test(id)) return false;
    const rows = await runQuery(exec, this.#removeDeadLetter, [id], this.#context('removing a dead letter'));
    return rows.length > 0;
  }

  #context(action: string) {
    return { driver: this.driver, action };
  }

  async readState(exec: PgExecutor, key: string): Promise<StateRecord | null> {
    assertName(key, 'key');
    const rows = await runQuery<{ value: unknown; revision: unknown; updated_at: unknown }>(
      exec,
      this.#readState,
      [key],
      this.#context('reading a state value'),
    );
    const row = rows[0];
    return row ? { value: row.value, revision: toNumber(row.revision), updatedAt: toNumber(row.updated_at) } : null;
  }

  async writeState(exec: PgExecutor, key: string, value: unknown, expected: number | null): Promise<number | null> {
    assertName(key, 'key');
    const json = JSON.stringify(value);
    const [sql, params] =
      expected === null ? [this.#insertState, [key, json]] : [this.#updateState, [key, json, expected]];
    const rows = await runQuery<{ revision: unknown }>(exec, sql, params, this.#context('writing a state value'));
    return rows[0] ? toNumber(rows[0].revision) : null;
  }

  async deleteState(exec: PgExecutor, key: string): Promise<boolean> {
    assertName(key, 'key');
    return (await runQuery(exec, this.#deleteState, [key], this.#context('deleting a state value'))).length > 0;
  }
}
