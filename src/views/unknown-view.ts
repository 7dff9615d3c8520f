import { PolystoreError } from '../errors/index.js';

/**
 * The error for a view name no view of the configuration has, listing the
 * names there are (`PS_ERR_INVALID_ARGUMENT` on field `view`).
 *
 * @example
 * if (!views.has(name)) throw unknownView(name, views.keys());
 */
export function unknownView(name: string, known: Iterable<string>): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', `No view is named "${name}"`, {
    field: 'view',
    fix: `use one of ${[...known].join(', ')}`,
  });
}
