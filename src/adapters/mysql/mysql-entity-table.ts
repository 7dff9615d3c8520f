import type { EntityTableSpec } from '../../contracts/home-store.js';
import { entityTableBase, type SqlEntityTable } from '../sql-shared/entity-rows.js';
import { EntityTableCache } from '../sql-shared/entity-spec.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import type { HomeNames } from './mysql-ddl.js';
import { COLUMN_CODEC } from './mysql-row-codec.js';
import { quoteId, repeatGroup, SqlBySize } from './mysql-sql.js';

const INSERT_ROW = loadSql('insert-row.sql', import.meta.url);
const UPDATE_ROW = loadSql('update-row.sql', import.meta.url);
const DELETE_ROW = loadSql('delete-row.sql', import.meta.url);
const CURRENT_VERSION = loadSql('current-version.sql', import.meta.url);
const SET_VERSION = loadSql('set-version.sql', import.meta.url);
const INSERT_ROWS = loadSql('insert-rows.sql', import.meta.url);

/** Alias of the entity table in reads, so filter sub-queries can name its columns unambiguously. */
export const ROW_ALIAS = 'r';

/**
 * Everything the home needs to read and write one entity's table, derived
 * once per spec: `relation` is `database`.`table`, and `selectList` reads
 * over alias `r`.
 */
export interface EntityTable extends SqlEntityTable {
  /** Tells "absent" from "changed since" after an update or delete matched nothing. */
  readonly currentVersionSql: string;
  /** Moves a row just inserted past its cleared tombstone (set-version.sql). */
  readonly setVersionSql: string;
  /** insert-rows.sql for a number of rows, each bound as the id then `encode`'s values. */
  readonly insertManySql: SqlBySize;
}

/** Resolves specs to {@link EntityTable}s in one database, validating each spec once. */
export class EntityTables extends EntityTableCache<EntityTable> {
  constructor(names: HomeNames) {
    super((spec) => buildEntityTable(names, spec));
  }
}

function buildEntityTable(names: HomeNames, spec: EntityTableSpec): EntityTable {
  const relation = `${names.database}.${quoteId(spec.table, 'table')}`;
  const fragments = { table: relation, tombstones: names.tombstones };
  const common = {
    ...entityTableBase(spec, relation, COLUMN_CODEC),
    deleteSql: renderSql(DELETE_ROW, fragments),
    currentVersionSql: renderSql(CURRENT_VERSION, fragments),
    setVersionSql: renderSql(SET_VERSION, fragments),
  };

  const insertMany = (columns: string, markers: string) =>
    new SqlBySize((count) =>
      renderSql(INSERT_ROWS, { table: relation, columns, rows: repeatGroup(`(?, 1${markers})`, count) }),
    );
  if (spec.storage === 'document') {
    return {
      ...common,
      insertManySql: insertMany(', doc', ', ?'),
      selectList: `${ROW_ALIAS}.id, ${ROW_ALIAS}._version, ${ROW_ALIAS}.doc`,
      insertSql: renderSql(INSERT_ROW, { ...fragments, columns: ', doc', values: ', ?' }),
      updateSql: renderSql(UPDATE_ROW, { ...fragments, assignments: 'doc = ?, ' }),
    };
  }

  const quoted = spec.columns.map((c) => quoteId(c.name, 'column'));
  const columns = quoted.map((q) => `, ${q}`).join('');
  const markers = quoted.map(() => ', ?').join('');
  return {
    ...common,
    insertManySql: insertMany(columns, markers),
    selectList: [`${ROW_ALIAS}.id`, `${ROW_ALIAS}._version`, ...quoted.map((q) => `${ROW_ALIAS}.${q}`)].join(', '),
    insertSql: renderSql(INSERT_ROW, { ...fragments, columns, values: markers }),
    updateSql: renderSql(UPDATE_ROW, { ...fragments, assignments: quoted.map((q) => `${q} = ?, `).join('') }),
  };
}
