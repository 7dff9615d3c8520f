import { parseArgs } from 'node:util';
import { PolystoreError } from '../../src/index.js';
import { DEFAULT_SIZE, type SeedSize, scaledSize } from './seed-data.js';
import { SHOP_NAMESPACE } from './shop.js';

export interface DemoArgs {
  readonly json: boolean;
  readonly dataDir: string;
  readonly keep: boolean;
  /** The multiplier given (1 when `--small`, which has its own size). */
  readonly scale: number;
  readonly size: SeedSize;
  /** The schema/database, key prefix and stream the demo uses on servers. */
  readonly namespace: string;
  /** Move the home there (a PostgreSQL or MariaDB URL) after seeding, while the shop writes. */
  readonly moveHomeTo: string | null;
}

const SMALL: SeedSize = { users: 200, products: 400, orders: 1000 };
/** 1000 x the default data set is 8 million orders: beyond that no machine this demo targets keeps up. */
const MAX_SCALE = 1000;
const NAMESPACE = /^[a-z_][a-z0-9_]{0,47}$/;

/**
 * The demo's flags, checked: each invalid one is a `PS_ERR_INVALID_ARGUMENT`
 * naming the flag and its fix.
 */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw invalid('argv', err instanceof Error ? err.message : String(err), 'run with --help for the flags');
  }
  const { values } = parsed;
  const scale = scaleOf(values.scale);
  if (values.small && values.scale !== undefined) {
    throw invalid('--scale', '--small and --scale both set the size', 'pass one of them');
  }
  const namespace = values.namespace ?? SHOP_NAMESPACE;
  if (!NAMESPACE.test(namespace)) {
    throw invalid(
      '--namespace',
      'The namespace must be 1 to 48 characters of a-z, 0-9 and _, not starting with a digit',
      'e.g. --namespace demo_scale10 (it names a schema, a key prefix and a stream)',
    );
  }
  if (values['data-dir'].length === 0) throw invalid('--data-dir', 'The data directory is empty', 'pass a path');
  return {
    json: values.json,
    dataDir: values['data-dir'],
    keep: values.keep,
    scale,
    size: values.small ? SMALL : scaledSize(DEFAULT_SIZE, scale),
    namespace,
    moveHomeTo: values['move-home-to'] ?? null,
  };
}

export const DEMO_USAGE = `npm run demo -- [--json] [--scale N | --small] [--namespace X] [--data-dir DIR] [--keep]
  --scale N       multiply the data set (default 1: ${DEFAULT_SIZE.users} users, ${DEFAULT_SIZE.products} products, ${DEFAULT_SIZE.orders} orders), 1 to ${MAX_SCALE}
  --small         a fifth of the default data set (tests)
  --namespace X   schema, key prefix and stream on servers (default ${SHOP_NAMESPACE})
  --data-dir DIR  where the embedded stores keep their files (default ./.polystore/demo)
  --keep          keep what an earlier run left (no reset)
  --move-home-to URL
                  after seeding, move the home to URL (postgres://... gets the schema X of --namespace)
                  while the shop keeps writing; every view must still match the (new) home
  --json          one JSON object on stdout`;

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: './.polystore/demo' },
      small: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      scale: { type: 'string' },
      namespace: { type: 'string' },
      'move-home-to': { type: 'string' },
    },
  });
}

function scaleOf(text: string | undefined): number {
  if (text === undefined) return 1;
  const scale = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(scale) || scale < 1 || scale > MAX_SCALE) {
    throw invalid('--scale', `The scale must be a whole number from 1 to ${MAX_SCALE}`, 'e.g. --scale 10');
  }
  return scale;
}

function invalid(field: string, message: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, { field, fix });
}
