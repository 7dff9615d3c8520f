import { afterEach, describe, expect, it } from 'vitest';
import { isPolystoreError, type PolystoreError } from '../../src/index.js';
import { type PeopleVersion, peopleDb } from '../fixtures/people-schemas.js';
import { runCli } from '../support/cli-runner.js';
import { HOME_VARIANTS, type HomeVariant } from '../support/home-variants.js';
import { describeWithServer } from '../support/servers.js';

const CONFIG = new URL('../fixtures/people-migrate.config.ts', import.meta.url).pathname;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const NICK = { kind: 'add', column: { name: 'nick', type: 'text', nullable: true } };

function migrateCases(variant: HomeVariant) {
  it('plans without applying, refuses a breaking change with its steps (exit 1), applies, then manual ready() passes', async () => {
    const space = await variant.space();
    cleanups.push(space.cleanup);
    /** `polystore ... --config people-migrate.config.ts` with `people` declared as `version`, schema.apply "manual". */
    const cli = (version: PeopleVersion, ...args: string[]) =>
      runCli(CONFIG, args, { POLYSTORE_TEST_HOME: JSON.stringify(space.locator), POLYSTORE_TEST_PEOPLE: version });
    const seed = peopleDb(space.home(), 'v1', 'manual');
    await seed.ready();
    await seed.entity('people').create({ id: 'p1', name: 'Ada', age: 36 });
    await seed.close();
    const refused = peopleDb(space.home(), 'v2', 'manual');
    const error = (await refused.ready().catch((err: unknown) => err)) as PolystoreError;
    await refused.close();
    expect(isPolystoreError(error, 'PS_ERR_SCHEMA_PENDING')).toBe(true);
    expect(error.fix).toContain('polystore migrate --apply');

    const plan = await cli('v2', 'migrate', '--plan', '--json');
    expect(plan.code).toBe(0);
    const [entity] = JSON.parse(plan.stdout).entities;
    expect(entity).toMatchObject({ entity: 'people', version: 1, matches: false, pending: { breaking: [] } });
    expect(entity.pending.changes).toEqual([NICK]);
    expect(entity.pending.statements).toHaveLength(1);

    const broken = await cli('breaking', 'migrate', '--plan');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^people +version 1 +BREAKING: 2 change\(s\) refused$/m);
    expect(broken.stdout).toContain('  "email" is new and required\n    1. declare "email" as optional');
    expect(broken.stdout).toContain('  "age" changes type from integer to text\n    1. keep "age" as it is');
    const brokenApply = await cli('breaking', 'migrate', '--apply');
    expect(brokenApply.code).toBe(1);
    expect(brokenApply.stdout).toContain('nothing applied');

    // Neither the plans nor the refused apply changed anything: the same single change is pending at version 1.
    const again = await cli('v2', 'migrate', '--plan');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^people +version 1 +1 additive change\(s\): add "nick" \(text, optional\)$/m);
    expect(again.stdout).toMatch(/^ {2}ALTER TABLE .*people.* ADD COLUMN IF NOT EXISTS .nick. .*;$/m);

    const applied = await cli('v2', 'migrate', '--apply');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^people +version 1 -> 2 +applied 1 change\(s\): add "nick" \(text, optional\)$/m);
    const twice = await cli('v2', 'migrate', '--apply', '--json');
    expect(JSON.parse(twice.stdout).entities[0]).toMatchObject({
      version: 2,
      matches: true,
      applied: { changes: [], previousVersion: 2 },
    });
    expect((await cli('v2', 'migrate')).code).toBe(2);

    const db = peopleDb(space.home(), 'v2', 'manual');
    try {
      await db.ready();
      const people = db.entity('people');
      expect(await people.get('p1', { consistency: 'strong' })).toMatchObject({ name: 'Ada', age: 36 });
      await people.create({ id: 'p2', name: 'Bob', age: 41, nick: 'b' });
      expect(await people.get('p2', { consistency: 'strong' })).toMatchObject({ nick: 'b' });
    } finally {
      await db.close();
    }
  }, 120_000);
}

for (const variant of HOME_VARIANTS) {
  if (variant.server)
    await describeWithServer(variant.server, `polystore migrate: ${variant.name}`, () => migrateCases(variant));
  else describe(`polystore migrate: ${variant.name}`, () => migrateCases(variant));
}
