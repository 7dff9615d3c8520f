import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrices, loadWorkload, parseWorkload } from '../../src/advisor/workload-loader.js';
import { isPolystoreError, type PolystoreError } from '../../src/errors/index.js';
import { tempDir } from '../support/temp-dir.js';

async function refusal(run: () => Promise<unknown>): Promise<PolystoreError> {
  try {
    await run();
  } catch (err) {
    expect(isPolystoreError(err, 'PS_ERR_INVALID_WORKLOAD')).toBe(true);
    return err as PolystoreError;
  }
  throw new Error('expected PS_ERR_INVALID_WORKLOAD');
}

const entity = { name: 'users', factors: { 'structured-relations': 9 } };

describe('workload files', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.cleanup());

  it('reads the example workloads and prices', async () => {
    for (const name of ['ecommerce', 'social-network', 'iot-metrics']) {
      const workload = await loadWorkload(new URL(`../../examples/workloads/${name}.yaml`, import.meta.url).pathname);
      expect(workload.entities.length).toBeGreaterThanOrEqual(4);
    }
    const prices = await loadPrices(new URL('../../examples/workloads/prices.example.yaml', import.meta.url).pathname);
    expect(Object.keys(prices.stores)).toHaveLength(8);
  });

  it('names the path of each problem and never repeats the offending value', async () => {
    const err = await refusal(() =>
      parseWorkload({
        name: 'shop',
        entities: [
          { name: 'users', factors: { 'structured-relations': 12345, speed: 3 } },
          { name: 'users', factors: {}, references: { ownerId: 'nobody' }, fields: { ownerId: 'uuid-ish' } },
          { name: 'bad name!', factors: {} },
        ],
      }),
    );
    const paths = (err.details!.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'entities.0.factors.structured-relations',
        'entities.0.factors',
        'entities.1.fields.ownerId',
        'entities.2.name',
      ]),
    );
    expect(err.message).not.toContain('12345');
    expect(err.message).not.toContain('uuid-ish');
    expect(err.message).not.toContain('bad name!');
  });

  it('refuses repeated entities and references to entities the workload lacks', async () => {
    const err = await refusal(() =>
      parseWorkload({
        name: 'shop',
        entities: [entity, { ...entity, fields: { ownerId: 'string' }, references: { ownerId: 'owners' } }],
      }),
    );
    expect(err.details!.issues).toEqual([
      { path: 'entities.1.name', message: 'repeated entity name' },
      { path: 'entities.1.references.ownerId', message: 'names no entity of the workload' },
    ]);
  });

  it('says which line of a file is not YAML, and which file cannot be read', async () => {
    const path = join(dir.path, 'broken.yaml');
    await writeFile(path, 'name: shop\nentities:\n  - name: users\n    factors: { a: [ }\n');
    expect((await refusal(() => loadWorkload(path))).message).toMatch(/is not valid YAML \(line 4\)/);
    expect((await refusal(() => loadWorkload(join(dir.path, 'none.yaml')))).message).toContain('Cannot read');
    const prices = join(dir.path, 'prices.yaml');
    await writeFile(prices, 'currency: EUR\nopsPerStore: -5\nstores: { quantum: { storagePerGb: 1, compute: 1 } }\n');
    const err = await refusal(() => loadPrices(prices));
    expect((err.details!.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(['opsPerStore', 'stores']);
  });
});
