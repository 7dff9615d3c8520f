import type { EntityTableSpec, HomeStore } from '../contracts/home-store.js';
import { PolystoreError } from '../errors/index.js';
import { compareEntity, compareIds, type HomeDifference, repairDifferences } from './home-compare.js';

/**
 * Compares every entity of the live source with the target by content and
 * copies each differing id again: with the source still taking writes, a
 * difference is normally a change the catch-up has not read yet. Returns how
 * many ids were copied again.
 */
export async function verifyLive(
  source: HomeStore,
  target: HomeStore,
  specs: readonly EntityTableSpec[],
): Promise<number> {
  let repaired = 0;
  for (const spec of specs) {
    const { differences } = await compareEntity(source, target, spec);
    await repairDifferences(target, spec, differences);
    repaired += differences.length;
  }
  return repaired;
}

/**
 * After the fence (the source no longer changes): compares the ids changed
 * since the live verification and each entity's row count; when either
 * disagrees, the whole entity (tombstones included). Differences are copied
 * again and compared once more; any left fail the move.
 */
export async function verifyAfterFence(
  source: HomeStore,
  target: HomeStore,
  specs: readonly EntityTableSpec[],
  changed: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<{ compared: number; repaired: number }> {
  let compared = 0;
  let repaired = 0;
  for (const spec of specs) {
    const ids = [...(changed.get(spec.entity) ?? [])];
    compared += ids.length;
    let differences = await compareIds(source, target, spec, ids);
    const [a, b] = await Promise.all([source.count(spec, null), target.count(spec, null)]);
    if (differences.length > 0 || a !== b) differences = (await compareEntity(source, target, spec)).differences;
    if (differences.length === 0) continue;
    const absent = await repairDifferences(target, spec, differences);
    repaired += differences.length;
    const left = (await compareEntity(source, target, spec)).differences;
    if (left.length > 0) throw unverified(spec.entity, left, absent);
  }
  return { compared, repaired };
}

function unverified(entity: string, left: readonly HomeDifference[], absent: readonly string[]): PolystoreError {
  const sample = left.slice(0, 5).map((d) => JSON.stringify(d.id).slice(0, 80));
  return new PolystoreError(
    'PS_ERR_HOME_MOVE',
    `The copy of ${entity} does not match the source after the fence: ${left.length} id(s) differ (${sample.join(', ')})`,
    {
      details: { entity, differing: left.length, absentInSource: absent.length },
      fix: 'the fence was lifted and the source takes writes again; check that nothing else writes to the target, then run the move again',
    },
  );
}
