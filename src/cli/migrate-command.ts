import { describeChange, type EntitySchemaStatus } from '../schema-status.js';
import type { AnyPolystore } from './load-config.js';

/**
 * `polystore migrate --plan | --apply [--json]`: per entity, the recorded
 * schema version and the changes `ready()` would make (SQL) or refuse
 * (expand/contract steps). `--apply` applies the additive changes and
 * records the new versions, as `ready()` does in auto mode. Exit 1 when a
 * change is breaking (nothing is applied then), 2 on misuse.
 */
export async function migrateCommand(
  db: AnyPolystore,
  options: { plan: boolean; apply: boolean; json: boolean },
): Promise<number> {
  if (options.plan === options.apply) {
    process.stderr.write('polystore migrate: pass exactly one of --plan and --apply\n');
    return 2;
  }
  const print = (human: string, data: unknown) =>
    process.stdout.write(options.json ? `${JSON.stringify(data)}\n` : `${human}\n`);
  const plan = await db.schemaStatus();
  const breaking = plan.some((s) => s.pending.breaking.length > 0);
  if (options.plan || breaking) {
    const lines = plan.flatMap(planLines);
    if (options.apply) lines.push('nothing applied: resolve the breaking changes first');
    print(lines.join('\n'), { applied: false, breaking, entities: plan });
    return breaking ? 1 : 0;
  }
  const done = await db.schemaStatus({ apply: true });
  print(done.flatMap(appliedLines).join('\n'), { applied: true, breaking: false, entities: done });
  return 0;
}

function version(status: EntitySchemaStatus): string {
  return status.version === null ? 'no version recorded' : `version ${status.version}`;
}

function planLines(status: EntitySchemaStatus): string[] {
  const head = `${status.entity.padEnd(20)} ${version(status)}`;
  const { changes, statements, breaking } = status.pending;
  if (!status.exists) return [`${head}   table not created yet (created as declared)`];
  if (breaking.length > 0) {
    return [
      `${head}   BREAKING: ${breaking.length} change(s) refused`,
      ...breaking.flatMap((b) => [`  ${b.change}`, ...b.steps.map((step, i) => `    ${i + 1}. ${step}`)]),
    ];
  }
  if (changes.length === 0)
    return [`${head}   ${status.matches ? 'up to date' : 'matches the table (the version is recorded on apply)'}`];
  return [
    `${head}   ${changes.length} additive change(s): ${changes.map(describeChange).join(', ')}`,
    ...statements.map((sql) => `  ${sql};`),
  ];
}

function appliedLines(status: EntitySchemaStatus): string[] {
  const applied = status.applied;
  const previous = applied?.previousVersion ?? null;
  const moved = previous === status.version ? version(status) : `version ${previous ?? '-'} -> ${status.version}`;
  const head = `${status.entity.padEnd(20)} ${moved}`;
  if (applied?.created) return [`${head}   table created`];
  if (!applied || applied.changes.length === 0) return [`${head}   up to date`];
  return [
    `${head}   applied ${applied.changes.length} change(s): ${applied.changes.map(describeChange).join(', ')}`,
    ...applied.statements.map((sql) => `  ${sql};`),
  ];
}
