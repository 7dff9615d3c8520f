import type { EntityTableSpec } from '../../contracts/home-store.js';
import { quoteIdent } from '../../runtime/identifier.js';
import { entityTableBase, type SqlEntityTable } from '../sql-shared/entity-rows.js';
import { EntityTableCache } from '../sql-shared/entity-spec.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import { batchRoutineName, routineName } from './postgres-ddl.js';
import { COLUMN_CODEC, SQL_TYPES } from './row-codec.js';

const INSERT_ROW = loadSql('insert-row.sql', import.meta.url);
const UPDATE_ROW = loadSql('update-row.sql', import.meta.url);
const DELETE_ROW = loadSql('delete-row.sql', import.meta.url);
const INSERT_ROWS = loadSql('insert-rows.sql', import.meta.url);
const CREATE_ROW_ROUTINE = loadSql('create-row-routine.sql', import.meta.url);
const CREATE_ROW = loadSql('create-row.sql', import.meta.url);
const SETTLE_CREATED_ROWS = loadSql('settle-created-rows.sql', import.meta.url);
const CREATE_ROWS_ROUTINE = loadSql('create-rows-routine.sql', import.meta.url);
const CREATE_ROWS = loadSql('create-rows.sql', import.meta.url);
const CURRENT_VERSION = loadSql('current-version.sql', import.meta.url);
const RESTORE_ROWS = loadSql('restore-rows.sql', import.meta.url);
const RESTORE_TOMBSTONES = loadSql('restore-tombstones.sql', import.meta.url);

/**
 * Everything the home needs to read and write one entity's table, derived
 * once per spec: `relation` is `"schema"."table"`, and `encode` yields the
 * column parameters $3… of insert and update. `insertManySql` takes one text
 * array per column instead (insert-rows.sql); `settleSql` follows either
 * insert (settle-created-rows.sql). `routineSql` creates the table's
 * create-row function and `createSql` calls it, with the event payload as $3
 * and the column parameters from $4; `batchRoutineSql` and `createManySql`
 * do the same for batches: the ids and entity of `insertManySql`, the event
 * payloads as $3 (null: no events) and the column arrays from $4.
 * `currentVersionSql` tells "absent" from "changed since" after an update or
 * delete matched nothing. `restoreSql` (restore-rows.sql) takes the ids, the
 * versions and the entity, then the column arrays from $4;
 * `restoreTombstonesSql` (restore-tombstones.sql) the ids, versions and entity.
 */
export type EntityTable = SqlEntityTable & {
  readonly insertManySql: string;
  readonly settleSql: string;
  readonly currentVersionSql: string;
  readonly routineSql: string;
  readonly createSql: string;
  readonly batchRoutineSql: string;
  readonly createManySql: string;
  readonly restoreSql: string;
  readonly restoreTombstonesSql: string;
};

/** Resolves specs to {@link EntityTable}s in one schema, validating each spec once. */
export class EntityTables extends EntityTableCache<EntityTable> {
  constructor(schema: string) {
    super((spec) => buildEntityTable(schema, spec));
  }
}

function buildEntityTable(schema: string, spec: EntityTableSpec): EntityTable {
  const quotedSchema = quoteIdent(schema, 'schema');
  const fragments = { schema: quotedSchema, table: quoteIdent(spec.table, 'table') };
  const relation = `${fragments.schema}.${fragments.table}`;
  const common = {
    ...entityTableBase(spec, relation, COLUMN_CODEC),
    deleteSql: renderSql(DELETE_ROW, fragments),
    settleSql: renderSql(SETTLE_CREATED_ROWS, fragments),
    currentVersionSql: renderSql(CURRENT_VERSION, fragments),
    restoreTombstonesSql: renderSql(RESTORE_TOMBSTONES, fragments),
  };

  const routine = quoteIdent(routineName(spec.table), 'routine');
  const batch = { ...fragments, routine: quoteIdent(batchRoutineName(spec.table), 'routine') };
  if (spec.storage === 'document') {
    return {
      ...common,
      selectList: 'id, _version, doc',
      insertSql: renderSql(INSERT_ROW, { ...fragments, columns: ', doc', values: ', $3::jsonb' }),
      ...insertMany(batch, [', doc'], ['jsonb'], true),
      restoreSql: restoreRows(fragments, [', doc'], ['jsonb'], ['doc'], true),
      updateSql: renderSql(UPDATE_ROW, { ...fragments, assignments: 'doc = $3::jsonb' }),
      ...createRow(fragments, routine, [', doc'], ['jsonb']),
    };
  }

  const names = spec.columns.map((c) => quoteIdent(c.name, 'column'));
  const casts = spec.columns.map((c, i) => `$${i + 3}::${SQL_TYPES[c.type]}`);
  return {
    ...common,
    ...createRow(
      fragments,
      routine,
      names.map((n) => `, ${n}`),
      spec.columns.map((c) => SQL_TYPES[c.type]),
    ),
    selectList: ['id', '_version', ...names].join(', '),
    insertSql: renderSql(INSERT_ROW, {
      ...fragments,
      columns: names.map((n) => `, ${n}`).join(''),
      values: casts.map((c) => `, ${c}`).join(''),
    }),
    ...insertMany(
      batch,
      names.map((n) => `, ${n}`),
      spec.columns.map((c) => SQL_TYPES[c.type]),
    ),
    restoreSql: restoreRows(
      fragments,
      names.map((n) => `, ${n}`),
      spec.columns.map((c) => SQL_TYPES[c.type]),
      names,
    ),
    updateSql: renderSql(UPDATE_ROW, {
      ...fragments,
      assignments: names.length > 0 ? names.map((n, i) => `${n} = ${casts[i]}`).join(', ') : 'id = id',
    }),
  };
}

/** create-row-routine.sql and create-row.sql for columns `columns` (each `, "name"`) of SQL types `types`. */
function createRow(
  fragments: { schema: string; table: string },
  routine: string,
  columns: string[],
  types: string[],
): { routineSql: string; createSql: string } {
  const at = types.map((_, i) => i + 4);
  return {
    routineSql: renderSql(CREATE_ROW_ROUTINE, {
      ...fragments,
      routine,
      argTypes: types.map((t) => `, ${t}`).join(''),
      columns: columns.join(''),
      values: at.map((n) => `, $${n}`).join(''),
    }),
    createSql: renderSql(CREATE_ROW, {
      schema: fragments.schema,
      routine,
      values: at.map((n, i) => `, $${n}::${types[i]}`).join(''),
    }),
  };
}

/**
 * insert-rows.sql, and create-rows-routine.sql and create-rows.sql around it,
 * for columns `columns` (each `, "name"`) of SQL types `types`: the statement
 * takes the columns from $3, the function (after the payloads) from $4. Each
 * column is a text array, except a document's doc column (`documents`), one
 * JSON array of the documents.
 */
function insertMany(
  fragments: { schema: string; table: string; routine: string },
  columns: string[],
  types: string[],
  documents = false,
): { insertManySql: string; batchRoutineSql: string; createManySql: string } {
  const paramType = documents ? 'jsonb' : 'text[]';
  const fragmentsFrom = (from: number) => columnFragments(columns, types, from, documents);
  const routineAt = types.map((_, i) => i + 4);
  return {
    insertManySql: renderSql(INSERT_ROWS, {
      schema: fragments.schema,
      table: fragments.table,
      ...columnFragments(columns, types, 3, documents),
    }),
    batchRoutineSql: renderSql(CREATE_ROWS_ROUTINE, {
      ...fragments,
      argTypes: routineAt.map(() => `, ${paramType}`).join(''),
      ...fragmentsFrom(4),
    }),
    createManySql: renderSql(CREATE_ROWS, {
      schema: fragments.schema,
      routine: fragments.routine,
      arrays: routineAt.map((n) => `, $${n}::${paramType}`).join(''),
    }),
  };
}

/**
 * The column fragments of insert-rows.sql and its kin for parameters from
 * `from` ($3 for the statement, $4 for the function and restore-rows.sql):
 * each column a text array, or a document's doc column one JSON array.
 */
function columnFragments(columns: string[], types: string[], from: number, documents: boolean) {
  const at = types.map((_, i) => i + from);
  const source = (n: number) => (documents ? `jsonb_array_elements($${n}::jsonb)` : `unnest($${n}::text[])`);
  return {
    columns: columns.join(''),
    sources: at.map((n) => `, ${source(n)}`).join(''),
    aliases: at.map((n) => `, c${n}`).join(''),
    values: at.map((n, i) => `, u.c${n}::${types[i]}`).join(''),
  };
}

/** restore-rows.sql for columns `columns` (each `, "name"`, quoted `names`) of SQL types `types`, from $4. */
function restoreRows(
  fragments: { schema: string; table: string },
  columns: string[],
  types: string[],
  names: string[],
  documents = false,
): string {
  return renderSql(RESTORE_ROWS, {
    ...fragments,
    ...columnFragments(columns, types, 4, documents),
    assignments: names.map((n) => `, ${n} = EXCLUDED.${n}`).join(''),
  });
}
