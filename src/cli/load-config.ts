import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PolystoreError } from '../errors/index.js';
import type { Polystore } from '../polystore.js';

// biome-ignore lint/suspicious/noExplicitAny: the CLI works with any model
export type AnyPolystore = Polystore<any, any>;

/**
 * Loads a config module whose default export is a Polystore instance or a
 * function returning one (sync or async).
 */
export async function loadConfig(path: string): Promise<AnyPolystore> {
  const url = pathToFileURL(resolve(path)).href;
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (err) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', `Cannot load the config module ${path}`, {
      field: 'config',
      fix: 'pass --config with a path to a module whose default export creates the Polystore instance',
      cause: err,
    });
  }
  const exported = typeof mod.default === 'function' ? await (mod.default as () => unknown)() : mod.default;
  if (!exported || typeof (exported as AnyPolystore).ready !== 'function') {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The config module ${path} does not export a Polystore instance`,
      {
        field: 'config',
        fix: 'export default createPolystore({...}) or a function returning it',
      },
    );
  }
  return exported as AnyPolystore;
}
