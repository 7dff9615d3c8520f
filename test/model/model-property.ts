import fc from 'fast-check';
import { it } from 'vitest';
import { hasTransactions } from './command-runner.js';
import { type Scenario, scenarioArb } from './model-commands.js';
import type { ModelMode } from './model-modes.js';
import { ModelViolation } from './model-violation.js';
import { describeScenario, runScenario } from './run-scenario.js';

/**
 * Knobs for longer local runs; CI uses the defaults.
 * - `POLYSTORE_MODEL_RUNS`: scenarios per mode.
 * - `POLYSTORE_MODEL_STEPS`: most steps per scenario.
 * - `POLYSTORE_MODEL_SEED` / `POLYSTORE_MODEL_PATH`: replay a reported failure.
 * - `POLYSTORE_MODEL_SHRINK_MS`: time spent shrinking a failure (default 60 s).
 */
function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number`);
  return value;
}

export interface ModelBudget {
  /** Scenarios per run in CI. */
  readonly runs: number;
  /** Most steps per scenario. */
  readonly steps: number;
}

/**
 * Declares the model-based test of one mode: fast-check generates scenarios,
 * each runs on a freshly opened instance (its own directories, schema, key
 * prefix and stream), and a failure is shrunk for up to the shrink budget,
 * then reported with its seed, path and the shrunk scenario.
 */
export function modelProperty(mode: ModelMode, budget: ModelBudget): void {
  const runs = envNumber('POLYSTORE_MODEL_RUNS', budget.runs);
  const steps = envNumber('POLYSTORE_MODEL_STEPS', budget.steps);
  const shrinkMs = envNumber('POLYSTORE_MODEL_SHRINK_MS', 60_000);
  const seed = process.env.POLYSTORE_MODEL_SEED;
  const path = process.env.POLYSTORE_MODEL_PATH;
  const withTransactions = hasTransactions();
  const title =
    `${mode.name}: ${runs} scenarios of up to ${steps} steps keep every read and view linearisable with the home` +
    (withTransactions ? '' : ' (no db.transaction in this build: transaction commands not generated)');

  it(
    title,
    async () => {
      let firstFailure: number | undefined;
      let lastError = '';
      let stepsRun: number | undefined;
      const property = fc.asyncProperty(scenarioArb({ maxSteps: steps, withTransactions }), async (scenario) => {
        // Past the shrink budget, skip the remaining shrink candidates: the smallest failure so far is reported.
        if (firstFailure !== undefined && Date.now() - firstFailure > shrinkMs) fc.pre(false);
        const opened = await mode.open();
        try {
          await runScenario(opened.db, scenario);
        } catch (error) {
          firstFailure ??= Date.now();
          const warnings = opened.warnings.length > 0 ? `\nsync log:\n  ${opened.warnings.slice(-8).join('\n  ')}` : '';
          lastError = `${(error as Error).message ?? String(error)}${warnings}`;
          stepsRun = error instanceof ModelViolation ? error.stepsRun : undefined;
          throw error;
        } finally {
          await opened.cleanup();
        }
      });
      const details = await fc.check(property, {
        numRuns: runs,
        ...(seed !== undefined ? { seed: Number(seed) } : {}),
        ...(path !== undefined ? { path } : {}),
      });
      if (!details.failed) return;
      const counterexample = details.counterexample?.[0] as Scenario | undefined;
      throw new Error(
        [
          `${mode.name}: the property failed after ${details.numRuns} scenario(s), shrunk ${details.numShrinks} time(s).`,
          `Replay: POLYSTORE_MODEL_SEED=${details.seed} POLYSTORE_MODEL_PATH=${details.counterexamplePath ?? ''}`,
          counterexample
            ? `Shrunk scenario (the steps that ran):\n${describeScenario(counterexample, stepsRun)}`
            : 'No counterexample.',
          `What broke:\n${lastError || String(details.errorInstance)}`,
        ].join('\n'),
      );
    },
    // Runs open fresh instances; a failure adds the shrink budget and a few slow (timed-out) runs.
    runs * steps * 4_000 + shrinkMs + 120_000,
  );
}
