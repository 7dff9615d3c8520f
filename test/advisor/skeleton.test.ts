import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { tsImport } from 'tsx/esm/api';
import { afterEach, describe, expect, it } from 'vitest';
import { adviseWorkload } from '../../src/advisor/advise.js';
import type { SkeletonModule } from '../../src/advisor/skeleton-writer.js';
import { workloadFields } from '../../src/advisor/skeleton-writer.js';
import type { Workload, WorkloadEntity } from '../../src/advisor/workload.js';
import { loadWorkload, parseWorkload } from '../../src/advisor/workload-loader.js';
import type { AnyPolystore } from '../../src/cli/load-config.js';
import { tempDir } from '../support/temp-dir.js';

const root = new URL('../../', import.meta.url);
const src = (path: string) => new URL(`src/${path}`, root).href;
// The skeleton imports the package by name; here it is pointed at this checkout's sources.
const IMPORTS: Record<SkeletonModule, string> = {
  polystore: src('index.ts'),
  'polystore/pglite': src('adapters/pglite/index.ts'),
  'polystore/lmdb': src('adapters/lmdb/index.ts'),
  'polystore/orama': src('adapters/orama/index.ts'),
  'polystore/kuzu': src('adapters/kuzu/index.ts'),
  'polystore/duckdb': src('adapters/duckdb/index.ts'),
  zod: new URL('node_modules/zod/index.js', root).href,
};

/** A record of the entity's declared fields, its references pointing at `${target}-1`. */
function sample(e: WorkloadEntity, withId = true): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [field, type] of workloadFields(e)) {
    if (field === 'id' && !withId) continue;
    const target = e.references?.[field];
    record[field] =
      field === 'id'
        ? `${e.name}-1`
        : target
          ? `${target}-1`
          : { string: `${field} one`, number: 1.5, integer: 2, boolean: true, date: new Date(), 'string[]': ['a'] }[
              type
            ];
  }
  return record;
}

const EXAMPLES = ['ecommerce', 'social-network', 'iot-metrics', 'awkward names'];

/** An example workload by file name, or one whose names collide with JavaScript's and the skeleton's own. */
async function workloadNamed(name: string): Promise<Workload> {
  if (name !== 'awkward names') return loadWorkload(new URL(`examples/workloads/${name}.yaml`, root).pathname);
  return parseWorkload({
    name: 'Awkward */ names',
    entities: [
      {
        name: 'default',
        description: 'a comment end */ in a description',
        fields: { title: 'string', graphId: 'string', score: 'integer' },
        references: { graphId: 'graph' },
        factors: { 'full-text-search': 9, 'relationship-traversal': 9, 'structured-relations': 5 },
      },
      { name: 'graph', fields: { label: 'string' }, factors: { 'relationship-traversal': 8, aggregations: 9 } },
      { name: 'new', fields: { value: 'number' }, factors: { 'ephemeral-data': 9, 'read-heavy-lookups': 9 } },
    ],
  });
}

describe('configuration skeleton', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('type-checks under the project compiler settings', async () => {
    // Inside the checkout (under the git-ignored .polystore/) so that relative imports and zod resolve.
    await mkdir(new URL('.polystore/', root), { recursive: true });
    const dir = await mkdtemp(join(fileURLToPath(root), '.polystore', 'skeleton-tsc-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const relative = Object.fromEntries(
      Object.entries(IMPORTS)
        .filter(([m]) => m !== 'zod')
        .map(([m, url]) => [m, `../../${url.slice(root.href.length).replace(/\.ts$/, '.js')}`]),
    );
    for (const name of EXAMPLES) {
      const workload = await workloadNamed(name);
      await writeFile(
        join(dir, `${name.replace(' ', '-')}.ts`),
        adviseWorkload(workload, { skeleton: { imports: relative } }).skeleton,
      );
    }
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: ['*.ts'] }));
    const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', root));
    const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', dir]).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(result).toBe('');
  });

  it.each(EXAMPLES)(
    '%s: the written module constructs a Polystore on the embedded engines that readies and projects every view',
    async (name) => {
      const workload = await workloadNamed(name);
      const advice = adviseWorkload(workload, { skeleton: { imports: IMPORTS } });
      const dir = await tempDir('polystore-skeleton-');
      cleanups.push(dir.cleanup);
      const file = join(dir.path, 'polystore.config.mts');
      await writeFile(file, advice.skeleton);

      const mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as {
        default: (dataDir: string) => AnyPolystore;
      };
      const db = mod.default(join(dir.path, 'data'));
      cleanups.push(() => db.close());
      await db.ready();

      const plans = new Map(advice.plan.entities.map((p) => [p.entity, p]));
      for (const e of workload.entities) {
        if (plans.get(e.name)!.home.storage === 'keyspace') {
          await db.keyspace(e.name).set(`${e.name}-1`, sample(e, false));
          expect(await db.keyspace(e.name).get(`${e.name}-1`)).toEqual(sample(e, false));
        } else await db.entity(e.name).create(sample(e));
      }
      await db.sync.catchUp();

      // Every view the plan asked for exists and holds its entity's one record.
      const expected = advice.plan.entities.flatMap((p) => p.views.map((v) => `${p.entity}_${v.view}`)).sort();
      expect(db.views.map((v) => v.view.name).sort()).toEqual(expected);
      const drift = await db.check({ deep: true });
      expect(drift.map((d) => [d.view, d.ok, d.checked])).toEqual(drift.map((d) => [d.view, true, 1]));
      for (const p of advice.plan.entities) {
        if (p.views.some((v) => v.view === 'search')) {
          const e = workload.entities.find((x) => x.name === p.entity)!;
          const text = Object.entries(e.fields ?? {}).find(([f, t]) => t === 'string' && !e.references?.[f])![0];
          const found = await db.entity(p.entity).search({ text: `${text} one` }, { consistency: 'eventual' });
          expect(found.hits.map((h) => (h.record as unknown as { id: string }).id)).toEqual([`${p.entity}-1`]);
        }
        if (p.views.some((v) => v.view === 'analytics')) {
          const rows = await db.analytics('analytics').query(`SELECT count(*)::INTEGER AS n FROM ${p.entity}`);
          expect(rows).toEqual([{ n: 1 }]);
        }
      }
      if (advice.plan.stores.includes('graph')) {
        const edges = await db.graph('graph').query('MATCH ()-[e]->() RETURN count(e) AS n');
        const references = workload.entities
          .filter((e) => plans.get(e.name)!.views.some((v) => v.view === 'graph'))
          .reduce((n, e) => n + Object.keys(e.references ?? {}).length, 0);
        expect(edges).toEqual([{ n: references }]);
      }
    },
    120_000,
  );
});
