import { type Executed, execute, type ModelDb, resolveWrites, type WriteResult } from './command-runner.js';
import { compareGetMany, compareLevels, type ModelKey, probeUpdates } from './level-checks.js';
import { settleWrites } from './linearisation.js';
import type { Command, Scenario, Step, Write } from './model-commands.js';
import { ENTITY_NAMES } from './model-entities.js';
import { ALL_IDS } from './model-records.js';
import { describeError, list, ModelViolation, StalledViews } from './model-violation.js';
import { checkStepReads, describeRead } from './read-checks.js';
import { display, ReferenceModel } from './reference-model.js';
import { compareViews } from './view-content.js';

/** How long the views get to apply everything at the end of a run. */
const CATCH_UP_MS = 20_000;

/** Runs checks that read with read-your-writes; a timed-out read ends them (the views are stalled). */
async function guarded(check: () => Promise<string[]>): Promise<{ violations: string[]; stalled: boolean }> {
  try {
    return { violations: await check(), stalled: false };
  } catch (error) {
    if (error instanceof StalledViews) return { violations: [...error.violations], stalled: true };
    throw error;
  }
}

/**
 * Runs a scenario through the public API against the reference model: each
 * step's outcomes are checked for linearisability, its reads at every level,
 * a probe update merged onto a read; at the end, after catchUp, every id at
 * every level, every view's content against the home, `check()` and the dead
 * letters. Throws a ModelViolation listing what broke.
 */
export async function runScenario(db: ModelDb, scenario: Scenario): Promise<void> {
  const model = new ReferenceModel();
  for (const [index, step] of scenario.steps.entries()) {
    const resolved = step.commands.map((command) => resolveWrites(model, command));
    const executed = step.concurrent
      ? await Promise.all(step.commands.map((command, i) => execute(db, command, resolved[i]!)))
      : [await execute(db, step.commands[0]!, resolved[0]!)];
    const { violations, states } = settleWrites(model, executed);
    violations.push(...checkStepReads(model, executed, states, step.concurrent));
    const keys: ModelKey[] = [...states.values()].map(({ entity, id }) => ({ entity, id }));
    // Reads are compared only against a consistent model; the probe update also runs when reads
    // disagreed (its failure is a symptom of its own), but not when the views are stalled.
    if (violations.length === 0) {
      const levels = await guarded(() => compareLevels(db, model, keys, false));
      violations.push(...levels.violations);
      if (!levels.stalled)
        violations.push(...(await guarded(() => probeUpdates(db, model, keys, step.probe))).violations);
    }
    if (violations.length > 0) {
      throw new ModelViolation(
        `step ${index + 1} of ${scenario.steps.length} (${step.concurrent ? 'concurrent' : 'sequential'}):\n` +
          `${describeExecuted(executed)}\n${list(violations)}`,
        index + 1,
      );
    }
  }
  try {
    await db.sync.catchUp(CATCH_UP_MS);
  } catch (error) {
    // Every read-your-writes read would wait out its timeout as well: report the views and stop.
    const views = (await db.sync.stats()).views.map(
      (v) => `${v.view} ${v.status} applied=${v.applied} failedAttempts=${v.failedAttempts} at=${v.position}`,
    );
    throw new ModelViolation(
      `after all ${scenario.steps.length} steps:\n${list([`catchUp failed: ${describeError(error)}`, ...views])}`,
      scenario.steps.length,
    );
  }
  const everyKey = ENTITY_NAMES.flatMap((entity) => ALL_IDS.map((id) => ({ entity, id })));
  const levels = await guarded(() => compareLevels(db, model, everyKey, true));
  const violations = levels.violations;
  if (!levels.stalled) violations.push(...(await guarded(() => compareGetMany(db, model, ALL_IDS))).violations);
  violations.push(...(await compareViews(db, model)));
  for (const drift of await db.check()) {
    if (drift.missing + drift.stale + drift.extra > 0) {
      violations.push(`check(): view ${drift.view} reports drift ${JSON.stringify(drift.sample)}`);
    }
  }
  for (const letter of await db.sync.deadLetters()) {
    violations.push(
      `dead letter in ${letter.consumer}: ${letter.event.op} ${JSON.stringify(letter.event.key)} v${letter.event.version}: ${letter.error}`,
    );
  }
  if (violations.length > 0)
    throw new ModelViolation(
      `after all ${scenario.steps.length} steps and catchUp:\n${list(violations)}`,
      scenario.steps.length,
    );
}

function describeWrite(write: Write, expectedVersion?: number): string {
  const expected = expectedVersion === undefined ? '' : ` expectedVersion=${expectedVersion}`;
  switch (write.op) {
    case 'create':
      return `create ${write.entity} ${display(write.record)}`;
    case 'update':
      return `update ${write.entity} ${JSON.stringify(write.id)} ${display(write.patch)}${expected}`;
    case 'delete':
      return `delete ${write.entity} ${JSON.stringify(write.id)}${expected}`;
  }
}

/** One line per command (records in full), the way the report quotes a counterexample. */
export function describeCommand(command: Command): string {
  if (command.kind !== 'write') return describeRead(command);
  const writes = command.writes.map((w) => describeWrite(w));
  return writes.length === 1 && command.api !== 'transaction' && command.api !== 'createMany'
    ? writes[0]!
    : `${command.api}[${writes.join('; ')}]`;
}

export function describeScenario(scenario: Scenario, stepsRun = scenario.steps.length): string {
  return scenario.steps
    .slice(0, stepsRun)
    .map(
      (step: Step, i) =>
        `step ${i + 1} (${step.concurrent ? 'concurrent' : 'sequential'}):\n${step.commands
          .map((command) => `    ${describeCommand(command)}`)
          .join('\n')}\n    then the probe update of a live written id: ` +
        ENTITY_NAMES.map((entity) => `${entity} ${display(step.probe[entity])}`).join('; '),
    )
    .join('\n');
}

function describeExecuted(executed: readonly Executed[]): string {
  return executed
    .map((e, i) => {
      const what =
        e.command.kind === 'write'
          ? `${e.command.api}[${e.resolved.map((r) => describeWrite(r.write, r.expectedVersion)).join('; ')}]`
          : describeRead(e.command);
      const outcome = !e.outcome.ok
        ? `failed ${describeError(e.outcome.error)}`
        : e.command.kind === 'write'
          ? `ok at ${(e.outcome.value as WriteResult).versions.map((v) => `v${v}`).join(', ')}`
          : 'ok';
      return `  #${i} ${what} → ${outcome}`;
    })
    .join('\n');
}
