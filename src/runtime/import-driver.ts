import { PolystoreError } from '../errors/index.js';

/**
 * Loads an optional driver package on first use. Heavy engines (Kuzu, DuckDB)
 * are therefore only loaded when a configured store needs them.
 */
export async function importDriver<T>(packageName: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: string } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new PolystoreError('PS_ERR_MISSING_DRIVER', `The optional package "${packageName}" is not installed`, {
        fix: `run \`npm install ${packageName}\``,
        cause: err,
      });
    }
    throw err;
  }
}
