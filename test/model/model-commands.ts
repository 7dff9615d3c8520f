import fc from 'fast-check';
import { ENTITY_NAMES, type EntityName } from './model-entities.js';
import { contestedIdArb, HOT_IDS, idArb, PLAIN_IDS, patchArb, recordArb } from './model-records.js';

export type Consistency = 'eventual' | 'read-your-writes' | 'strong';

/**
 * How a write states its expected version, resolved against the model when
 * its group starts: none, the version the id is at, or one it is not at.
 */
export type Expectation = 'none' | 'current' | 'stale';

/** One write to one id; `record` and `patch` are in the schema's form (Dates as Dates). */
export type Write =
  | {
      readonly op: 'create';
      readonly entity: EntityName;
      readonly id: string;
      readonly record: Record<string, unknown>;
    }
  | {
      readonly op: 'update';
      readonly entity: EntityName;
      readonly id: string;
      readonly patch: Record<string, unknown>;
      readonly expect: Expectation;
    }
  | { readonly op: 'delete'; readonly entity: EntityName; readonly id: string; readonly expect: Expectation };

/**
 * A write command is a list of writes that commit all or nothing: `create`,
 * `update` and `delete` hold one, `createMany` several creates of one entity,
 * `transaction` any writes of any entities (run through `db.transaction`).
 */
export type WriteApi = 'create' | 'createMany' | 'update' | 'delete' | 'transaction';

/** Filters of the subset `find`/`count` accept that the reference model evaluates. */
export type FilterSpec = Readonly<Record<string, unknown>>;

export type Command =
  | { readonly kind: 'write'; readonly api: WriteApi; readonly writes: readonly Write[] }
  | { readonly kind: 'get'; readonly entity: EntityName; readonly id: string; readonly consistency: Consistency }
  | {
      readonly kind: 'getMany';
      readonly entity: EntityName;
      readonly ids: readonly string[];
      readonly consistency: Consistency;
    }
  | { readonly kind: 'find'; readonly entity: EntityName; readonly filter: FilterSpec }
  | { readonly kind: 'count'; readonly entity: EntityName; readonly filter: FilterSpec }
  | { readonly kind: 'search'; readonly entity: EntityName; readonly where: FilterSpec };

/**
 * A step runs its commands at once (Promise.all) when `concurrent`, else one
 * command. After it, reads at every consistency level are compared and
 * `probe` is merged by an update onto what a read returned.
 */
export interface Step {
  readonly concurrent: boolean;
  readonly commands: readonly Command[];
  readonly probe: Readonly<Record<EntityName, Record<string, unknown>>>;
}

export interface Scenario {
  readonly steps: readonly Step[];
}

const entityArb = fc.constantFrom(...ENTITY_NAMES);
const consistencyArb = fc.constantFrom<Consistency>('eventual', 'read-your-writes', 'strong');
const expectArb = fc.constantFrom<Expectation>('none', 'none', 'current', 'stale');

function createArb(entity: EntityName, id: fc.Arbitrary<string> = idArb): fc.Arbitrary<Write> {
  return recordArb(entity, id).map((record) => ({ op: 'create', entity, id: record.id as string, record }));
}
function updateArb(entity: EntityName, id: fc.Arbitrary<string> = idArb): fc.Arbitrary<Write> {
  return fc
    .record({ id, patch: patchArb(entity), expect: expectArb })
    .map(({ id, patch, expect }) => ({ op: 'update', entity, id, patch, expect }));
}
function deleteArb(entity: EntityName, id: fc.Arbitrary<string> = idArb): fc.Arbitrary<Write> {
  return fc.record({ id, expect: expectArb }).map(({ id, expect }) => ({ op: 'delete', entity, id, expect }));
}

const single =
  (api: WriteApi) =>
  (write: Write): Command => ({ kind: 'write', api, writes: [write] });

/** Any write of any entity (with its single-write API). */
const writeCommandArb: fc.Arbitrary<Command> = entityArb.chain((entity) =>
  fc.oneof(
    { weight: 3, arbitrary: createArb(entity).map(single('create')) },
    { weight: 3, arbitrary: updateArb(entity).map(single('update')) },
    { weight: 2, arbitrary: deleteArb(entity).map(single('delete')) },
    {
      weight: 1,
      arbitrary: fc
        .array(createArb(entity), { minLength: 1, maxLength: 4 })
        .map((writes): Command => ({ kind: 'write', api: 'createMany', writes })),
    },
  ),
);

const filterArb = (entity: EntityName): fc.Arbitrary<FilterSpec> =>
  entity === 'people'
    ? fc.oneof(
        fc.constant({}),
        fc.boolean().map((active) => ({ active })),
        fc.integer({ min: -1000, max: 1000 }).map((level) => ({ level: { $gte: level } })),
        fc.boolean().map((exists) => ({ email: { $exists: exists } })),
        fc.boolean().map((exists) => ({ profile: { $exists: exists } })),
        fc.constantFrom(...HOT_IDS, ...PLAIN_IDS).map((id) => ({ friendId: id })),
      )
    : fc.oneof(
        fc.constant({}),
        fc.constantFrom('en', 'fr', 'de').map((lang) => ({ lang })),
        fc.integer({ min: -1000, max: 1000 }).map((rank) => ({ rank: { $lt: rank } })),
        fc.boolean().map((pinned) => ({ 'meta.pinned': pinned })),
        fc.boolean().map((exists) => ({ summary: { $exists: exists } })),
        fc.boolean().map((exists) => ({ 'meta.color': { $exists: exists } })),
      );

const whereArb = (entity: EntityName): fc.Arbitrary<FilterSpec> =>
  entity === 'people'
    ? fc.oneof(
        fc.constant({}),
        fc.boolean().map((active) => ({ active })),
      )
    : fc.oneof(
        fc.constant({}),
        fc.constantFrom('en', 'fr', 'de').map((lang) => ({ lang })),
        fc.boolean().map((pinned) => ({ pinned })),
      );

const readCommandArb: fc.Arbitrary<Command> = entityArb.chain((entity) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record({ id: idArb, consistency: consistencyArb })
        .map((r) => ({ kind: 'get', entity, ...r }) as Command),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ ids: fc.array(idArb, { minLength: 1, maxLength: 4 }), consistency: consistencyArb })
        .map((r) => ({ kind: 'getMany', entity, ...r }) as Command),
    },
    { weight: 1, arbitrary: filterArb(entity).map((filter) => ({ kind: 'find', entity, filter }) as Command) },
    { weight: 1, arbitrary: filterArb(entity).map((filter) => ({ kind: 'count', entity, filter }) as Command) },
    { weight: 1, arbitrary: whereArb(entity).map((where) => ({ kind: 'search', entity, where }) as Command) },
  ),
);

/** A transaction: writes of both entities committed all or nothing. */
const transactionArb: fc.Arbitrary<Command> = fc
  .array(
    entityArb.chain((entity) => fc.oneof(createArb(entity), updateArb(entity), deleteArb(entity))),
    { minLength: 2, maxLength: 3 },
  )
  .map((writes) => ({ kind: 'write', api: 'transaction', writes }));

/** Delete and re-create races on one contested id, with updates and reads of it. */
const raceArb = (withTx: boolean): fc.Arbitrary<Command[]> =>
  fc.record({ entity: entityArb, id: contestedIdArb }).chain(({ entity, id }) => {
    const at = fc.constant(id);
    const candidates: fc.Arbitrary<Command>[] = [
      deleteArb(entity, at).map(single('delete')),
      createArb(entity, at).map(single('create')),
      createArb(entity, at).map(single('create')),
      updateArb(entity, at).map(single('update')),
      updateArb(entity, at).map(single('update')),
      fc
        .record({ consistency: consistencyArb })
        .map(({ consistency }) => ({ kind: 'get', entity, id, consistency }) as Command),
    ];
    if (withTx) {
      candidates.push(
        fc
          .tuple(deleteArb(entity, at), createArb(entity, at))
          .map((writes): Command => ({ kind: 'write', api: 'transaction', writes })),
      );
    }
    return fc.tuple(...candidates).chain((commands) => fc.shuffledSubarray(commands, { minLength: 2 }));
  });

/** A createMany batch holding a contested id, racing with a delete and a create of that id. */
const batchRaceArb: fc.Arbitrary<Command[]> = fc
  .record({ entity: entityArb, id: contestedIdArb })
  .chain(({ entity, id }) =>
    fc
      .tuple(
        fc
          .tuple(createArb(entity, fc.constant(id)), fc.array(createArb(entity), { minLength: 1, maxLength: 3 }))
          .chain(([hot, others]) => fc.shuffledSubarray([hot, ...others], { minLength: others.length + 1 }))
          .map((writes): Command => ({ kind: 'write', api: 'createMany', writes })),
        deleteArb(entity, fc.constant(id)).map(single('delete')),
        createArb(entity, fc.constant(id)).map(single('create')),
        updateArb(entity, fc.constant(id)).map(single('update')),
      )
      .chain((commands) => fc.shuffledSubarray(commands, { minLength: 2 })),
  );

const probeArb = fc.record({ people: patchArb('people'), notes: patchArb('notes') });

/**
 * Whole scenarios: concurrent groups (races on hot ids, batches holding a hot
 * id, random mixes, transactions when the API has them) and single commands.
 * `withTransactions` is false when `db.transaction` does not exist at runtime.
 */
export function scenarioArb(options: { maxSteps: number; withTransactions: boolean }): fc.Arbitrary<Scenario> {
  const { withTransactions } = options;
  const mixArb = fc.array(
    withTransactions
      ? fc.oneof({ weight: 4, arbitrary: writeCommandArb }, { weight: 1, arbitrary: transactionArb }, readCommandArb)
      : fc.oneof({ weight: 4, arbitrary: writeCommandArb }, readCommandArb),
    { minLength: 2, maxLength: 5 },
  );
  const groupArb = fc.oneof(
    { weight: 3, arbitrary: raceArb(withTransactions) },
    { weight: 2, arbitrary: batchRaceArb },
    { weight: 2, arbitrary: mixArb },
  );
  const singleArb = withTransactions
    ? fc.oneof({ weight: 3, arbitrary: writeCommandArb }, { weight: 1, arbitrary: transactionArb }, readCommandArb)
    : fc.oneof({ weight: 3, arbitrary: writeCommandArb }, { weight: 2, arbitrary: readCommandArb });
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ concurrent: fc.constant(true), commands: groupArb, probe: probeArb }),
    fc.record({ concurrent: fc.constant(false), commands: singleArb.map((c) => [c]), probe: probeArb }),
  );
  return fc.array(stepArb, { minLength: 1, maxLength: options.maxSteps }).map((steps) => ({ steps }));
}
