import { quoteIdent } from '../../runtime/identifier.js';
import type { ChangeEvent, ChangeOp, NewChangeEvent } from '../../sync/change-event.js';
import { eventIdOf } from '../../sync/change-event.js';
import { type LogPosition, outboxPosition, parseOutboxPosition } from '../../sync/log-position.js';
import type { PgExecutor } from './pg-executor.js';
import { assertCount, invalidArgument, runQuery } from './pg-query.js';
import { toNumber } from './row-codec.js';
import { loadSql, renderSql } from './sql-template.js';

const APPEND_OUTBOX = loadSql('append-outbox.sql');
const READ_OUTBOX = loadSql('read-outbox.sql');
const OUTBOX_HEAD = loadSql('outbox-head.sql');
const PRUNE_OUTBOX = loadSql('prune-outbox.sql');
const OPS: ReadonlySet<string> = new Set<ChangeOp>(['create', 'update', 'delete']);

interface PositionRow {
  tx_id: string;
  seq: string;
}

interface OutboxRow extends PositionRow {
  entity: string;
  key: string;
  version: unknown;
  op: ChangeOp;
  payload: Record<string, unknown> | null;
  committed_ms: unknown;
}

/** The outbox table: appended inside write transactions, read back in an order that skips nothing. */
export class PostgresOutbox {
  readonly #append: string;
  readonly #read: string;
  readonly #head: string;
  readonly #prune: string;

  constructor(
    private readonly driver: string,
    schema: string,
  ) {
    const fragments = { schema: quoteIdent(schema, 'schema') };
    this.#append = renderSql(APPEND_OUTBOX, fragments);
    this.#read = renderSql(READ_OUTBOX, fragments);
    this.#head = renderSql(OUTBOX_HEAD, fragments);
    this.#prune = renderSql(PRUNE_OUTBOX, fragments);
  }

  async append(exec: PgExecutor, event: NewChangeEvent): Promise<LogPosition> {
    if (!OPS.has(event.op))
      throw invalidArgument('An outbox event has an unknown op', 'op', 'use create, update or delete');
    assertCount(event.version, 'version');
    const payload = event.payload === null ? null : JSON.stringify(event.payload);
    const params = [event.entity, event.key, event.version, event.op, payload];
    const rows = await runQuery<PositionRow>(exec, this.#append, params, this.#context('appending to the outbox'));
    const row = rows[0]!;
    return outboxPosition(row.tx_id, row.seq);
  }

  async read(exec: PgExecutor, after: LogPosition | null, limit: number): Promise<ChangeEvent[]> {
    assertCount(limit, 'limit');
    const { txId, seq } = after === null ? { txId: '0', seq: '0' } : parsePosition(after);
    const rows = await runQuery<OutboxRow>(exec, this.#read, [txId, seq, limit], this.#context('reading the outbox'));
    return rows.map((row) => {
      const event = { entity: row.entity, key: row.key, version: toNumber(row.version) };
      return {
        ...event,
        op: row.op,
        payload: row.payload,
        eventId: eventIdOf(event),
        position: outboxPosition(row.tx_id, row.seq),
        committedAt: toNumber(row.committed_ms),
      };
    });
  }

  async head(exec: PgExecutor): Promise<LogPosition | null> {
    const rows = await runQuery<PositionRow>(exec, this.#head, [], this.#context('reading the outbox head'));
    return rows[0] ? outboxPosition(rows[0].tx_id, rows[0].seq) : null;
  }

  async prune(exec: PgExecutor, upTo: LogPosition): Promise<number> {
    const { txId, seq } = parsePosition(upTo);
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

function parsePosition(position: LogPosition): { txId: string; seq: string } {
  try {
    return parseOutboxPosition(position);
  } catch (err) {
    throw invalidArgument(
      'A log position is not an outbox position',
      'position',
      'pass a position read from this home',
      err,
    );
  }
}
