import { PolystoreError } from '../errors/index.js';
import type { SagaDef } from './define-saga.js';
import type { SagaRunnerOptions } from './saga-runner.js';

/**
 * Checks the config's `sagas` and `sagaOptions`: each definition made by
 * `defineSaga`, no name and version twice (versions of one name may sit side
 * by side while old sagas finish), and whole positive numbers of ms.
 */
export function readSagaConfig(
  sagas: readonly SagaDef[] | undefined,
  options: SagaRunnerOptions | undefined,
): { defs: readonly SagaDef[]; options: SagaRunnerOptions } {
  const defs = sagas ?? [];
  const seen = new Set<string>();
  for (const def of defs) {
    if (!Array.isArray(def?.steps) || typeof def.input?.['~standard']?.validate !== 'function')
      throw invalid('An entry of sagas is not a saga definition', 'sagas', 'pass the results of defineSaga(...)');
    const key = `${def.name}@${def.version}`;
    if (seen.has(key))
      throw invalid(
        `Version ${def.version} of saga ${def.name} is declared twice`,
        'sagas',
        'give each version its own number',
      );
    seen.add(key);
  }
  const given = options ?? {};
  for (const [field, min] of [
    ['leaseMs', 100],
    ['pollIntervalMs', 1],
    ['concurrency', 1],
    ['unknownCheckMs', 1],
  ] as const) {
    const value = given[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min))
      throw invalid(
        `sagaOptions.${field} must be a whole number of at least ${min}`,
        `sagaOptions.${field}`,
        `set ${field} to ${min} or more`,
      );
  }
  return { defs, options: given };
}

function invalid(message: string, field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
}
