import { readFile } from 'node:fs/promises';
import { PolystoreError } from '../errors/index.js';
import { importDriver } from '../runtime/import-driver.js';
import type { PriceTable } from './tco.js';
import type { Workload } from './workload.js';

type Schemas = typeof import('./workload-schema.js');
interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

// zod and yaml are optional peers: only reading a workload file needs them.
const schemas = (): Promise<Schemas> => importDriver('zod', () => import('./workload-schema.js'));
const yaml = () => importDriver('yaml', () => import('yaml'));

/**
 * Validates a workload already parsed (from YAML or JSON).
 *
 * @example
 * const workload = await parseWorkload({ name: 'shop', entities: [{ name: 'users', factors: { 'structured-relations': 9 } }] });
 */
export async function parseWorkload(data: unknown, source = 'workload'): Promise<Workload> {
  const { workloadSchema } = await schemas();
  return checked(workloadSchema.safeParse(data), source);
}

/**
 * Reads and validates a workload YAML file.
 *
 * @example
 * const workload = await loadWorkload('examples/workloads/ecommerce.yaml');
 * const advice = adviseWorkload(workload);
 */
export async function loadWorkload(path: string): Promise<Workload> {
  return parseWorkload(await readYaml(path), path);
}

/**
 * Reads and validates a price file (see `examples/workloads/prices.example.yaml`).
 *
 * @example
 * const prices = await loadPrices('my-prices.yaml');
 */
export async function loadPrices(path: string): Promise<PriceTable> {
  const { priceSchema } = await schemas();
  return checked(priceSchema.safeParse(await readYaml(path)), path);
}

async function readYaml(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PolystoreError('PS_ERR_INVALID_WORKLOAD', `Cannot read ${path}`, {
      fix: 'pass the path of an existing YAML file',
      cause: err,
    });
  }
  const { parse } = await yaml();
  try {
    return parse(text);
  } catch (err) {
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new PolystoreError('PS_ERR_INVALID_WORKLOAD', `${path} is not valid YAML${line ? ` (line ${line})` : ''}`, {
      fix: 'correct the YAML syntax at that line',
      cause: err,
    });
  }
}

function checked<T>(
  result: { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } },
  source: string,
): T {
  if (result.success) return result.data;
  // Paths and zod's messages only: a message never repeats the offending value.
  const issues = result.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(top)',
    message: i.message,
  }));
  throw new PolystoreError(
    'PS_ERR_INVALID_WORKLOAD',
    `${source} does not match the schema: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    {
      field: issues[0]?.path,
      fix: 'correct the fields named; examples/workloads/ has complete files',
      details: { issues },
    },
  );
}
