import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adviseWorkload } from '../../src/advisor/advise.js';
import { DATA_STORAGE_TREE } from '../../src/advisor/decision-tree.js';
import { renderTree } from '../../src/advisor/decision-tree-walker.js';
import { FACTORS, type FactorId } from '../../src/advisor/factor-weights.js';
import { loadPrices, loadWorkload } from '../../src/advisor/workload-loader.js';
import { CLI_BIN, type CliResult } from '../support/cli-runner.js';
import { tempDir } from '../support/temp-dir.js';

const example = (name: string) => new URL(`../../examples/workloads/${name}`, import.meta.url).pathname;

describe('polystore advise', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  /** Runs the CLI in an empty directory (no config module there), feeding `input` to its stdin. */
  const advise = (args: readonly string[], input = '', node: readonly string[] = [], env = {}): Promise<CliResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...node, CLI_BIN, 'advise', ...args], {
        cwd: dir.path,
        env: { ...process.env, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(input);
    });

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.cleanup());

  it('prints each ranking with every rule, the migration, the TCO, the warnings and the skeleton', async () => {
    const out = join(dir.path, 'polystore.config.ts');
    const result = await advise([
      '--workload',
      example('ecommerce.yaml'),
      '--prices',
      example('prices.example.yaml'),
      '--out',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toMatch(/^users: home relational \(RDBMS scores 49/m);
    expect(text).toMatch(
      /^ {4}1\. RDBMS +49 {2}= Structured with relations 9 × \+3 = 27; Strong consistency \/ transactions 8 × \+3 = 24; Schema evolution 2 × -1 = -2$/m,
    );
    expect(text).toMatch(/^ {4}1\. Document +57 {2}= Flexible documents 9 × \+3 = 27;/m);
    expect(text).toContain('+ search    (Search): Full-text search 8 × (3 - home 1) = 16 >= margin 15');
    expect(text).toContain(
      '- analytics (Column-Family): Aggregations / analytics 5 × (3 - home 1) = 10 < margin 15, left out',
    );
    expect(text).toContain('Migration: Read replica first');
    expect(text).toMatch(/Single DB TCO = Storage \+ Compute \+ Ops×1 = 31\.00 \+ 400\.00 \+ 2000\.00 = 2431\.00/);
    expect(text).toContain('Polyglot TCO = Σ(Storage[i] + Compute[i]) + Ops×N×1.5 =');
    expect(text).toContain('example figures - replace them with your own');
    expect(text).toContain('  ! Too many databases');
    const workload = await loadWorkload(example('ecommerce.yaml'));
    const { skeleton } = adviseWorkload(workload);
    expect(text.endsWith(`${skeleton}\n`)).toBe(true);
    expect(await readFile(out, 'utf8')).toBe(skeleton);
  });

  it('prints the same advice as JSON', async () => {
    const result = await advise([
      '--workload',
      example('iot-metrics.yaml'),
      '--prices',
      example('prices.example.yaml'),
      '--json',
    ]);
    expect(result.code).toBe(0);
    const expected = adviseWorkload(await loadWorkload(example('iot-metrics.yaml')), {
      prices: await loadPrices(example('prices.example.yaml')),
    });
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('prints the decision tree', async () => {
    const text = await advise(['--tree']);
    expect(text.stdout).toBe(`${renderTree()}\n`);
    expect(JSON.parse((await advise(['--tree', '--json'])).stdout)).toEqual(DATA_STORAGE_TREE);
  });

  it('explains a missing or invalid workload with a coded error and exit 1', async () => {
    const none = await advise([]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('PS_ERR_INVALID_ARGUMENT');
    expect(none.stderr).toContain('--workload FILE.yaml');
    const missing = await advise(['--workload', join(dir.path, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('PS_ERR_INVALID_WORKLOAD');
  });

  it('asks the calculator questions in the terminal and advises on the answers', async () => {
    const answers = (scores: Partial<Record<FactorId, number>>) => FACTORS.map((f) => String(scores[f.id] ?? ''));
    const input = [
      'Tiny shop',
      'orders',
      'total:money', // not a field type: asked again
      'total:number, placedAt:date',
      'lots', // not a score: asked again
      ...answers({ 'structured-relations': 9, 'strong-consistency': 10, 'full-text-search': 8 }),
      'sessions',
      '',
      ...answers({ 'ephemeral-data': 10, 'read-heavy-lookups': 9 }),
      '',
    ].join('\n');
    const interactive = await advise(['--interactive', '--json'], `${input}\n`);
    expect(interactive.code, interactive.stderr).toBe(0);
    expect(interactive.stderr).toContain(`${FACTORS[0]!.label}: ${FACTORS[0]!.question} [0-10]`);
    expect(interactive.stderr).toContain('answer a number from 0 to 10');
    expect(interactive.stderr).toContain('give each field a type: string, number, integer, boolean, date, string[]');
    const advice = JSON.parse(interactive.stdout);
    expect(advice.workload).toBe('Tiny shop');
    const [orders, sessions] = advice.plan.entities;
    expect(orders.ranking[0]).toMatchObject({ store: 'rdbms', score: 9 * 3 + 10 * 3 + 8 });
    expect(orders.views.map((v: { view: string }) => v.view)).toEqual(['search']);
    expect(sessions.home.storage).toBe('keyspace');
    // The text report for the same answers.
    const text = await advise(['--interactive'], `${input}\n`);
    expect(text.stdout).toMatch(/^orders: home relational/m);
    expect(text.stdout).toContain('Strong consistency / transactions 10 × +3 = 30');
    expect(text.stdout).toContain('schema: z.object({ id: z.string(), total: z.number(), placedAt: z.date() }),');
  });

  it.each(['yaml', 'zod'])('says which npm install fixes a missing %s', async (name) => {
    const hide = new URL('../support/hide-package.mjs', import.meta.url).pathname;
    const result = await advise(['--workload', example('ecommerce.yaml')], '', ['--import', hide], {
      HIDE_PACKAGE: name,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `polystore: PS_ERR_MISSING_DRIVER: The optional package "${name}" is not installed. Fix: run \`npm install ${name}\`\n`,
    );
  });

  it('stops asking at the end of the input and refuses an empty workload', async () => {
    const result = await advise(['--interactive'], 'Nothing\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PS_ERR_INVALID_ARGUMENT');
  });
});
