import { isPolystoreError } from '../../src/index.js';

/** A broken guarantee found by a run, with how many steps ran (later steps never did, so a report leaves them out). */
export class ModelViolation extends Error {
  override readonly name = 'ModelViolation';
  constructor(
    message: string,
    readonly stepsRun: number,
  ) {
    super(message);
  }
}

/**
 * A read-your-writes read timed out: some view is stalled, and every later
 * such read would wait out its timeout as well, so the checks stop there.
 */
export class StalledViews extends Error {
  constructor(readonly violations: readonly string[]) {
    super('a read-your-writes read timed out');
  }
}

/** Violations as an indented list, at most 25 of them. */
export function list(violations: readonly string[]): string {
  const shown = violations.slice(0, 25).map((v) => `  - ${v}`);
  if (violations.length > 25) shown.push(`  - ... and ${violations.length - 25} more`);
  return shown.join('\n');
}

export function describeError(error: unknown): string {
  if (isPolystoreError(error)) return `${error.code}: ${error.message.slice(0, 300)}`;
  return `an uncoded error: ${String(error).slice(0, 300)}`;
}
