import type { SagaRecord, SagaState, SagaStepRecord } from '../contracts/saga-log.js';
import { PolystoreError } from '../errors/index.js';
import type { AnyPolystore } from './load-config.js';
import { seconds } from './progress-line.js';

const STATES: readonly SagaState[] = ['running', 'compensating', 'completed', 'compensated', 'stuck', 'cancelled'];
const ACTIONS = ['list', 'show', 'resume', 'retry', 'cancel'] as const;

export interface SagaCommandOptions {
  readonly action: string | undefined;
  readonly id: string | undefined;
  readonly state: string | undefined;
  readonly name: string | undefined;
  readonly olderThan: string | undefined;
  readonly errors: boolean;
  readonly json: boolean;
}

/**
 * `polystore saga list|show|resume|retry|cancel`: what an operator needs of
 * the saga log. `list` filters by state, definition name, age (seconds) and
 * error; `show ID` prints the saga and its step timeline; `resume`, `retry`
 * (a stuck saga's compensation) and `cancel` act on one saga.
 */
export async function sagaCommand(db: AnyPolystore, options: SagaCommandOptions): Promise<number> {
  const say = (line: string, data: unknown) =>
    process.stdout.write(options.json ? `${JSON.stringify(data)}\n` : `${line}\n`);
  const action = options.action ?? 'list';
  if (!(ACTIONS as readonly string[]).includes(action)) throw usage(`unknown saga action "${action}"`);
  if (action === 'list') {
    const sagas = await db.sagas.list(filterOf(options));
    say(sagas.map(line).join('\n') || 'no sagas', sagas);
    return 0;
  }
  if (!options.id) throw usage(`saga ${action} needs a saga id`);
  if (action === 'show') {
    const saga = await db.sagas.get(options.id);
    if (!saga)
      throw new PolystoreError('PS_ERR_UNKNOWN_SAGA', `No saga has the id ${options.id.slice(0, 64)}`, {
        fix: 'list sagas (polystore saga list)',
      });
    const timeline = await db.sagas.timeline(options.id);
    say([line(saga), ...timeline.map(stepLine)].join('\n'), { saga, timeline });
    return 0;
  }
  const saga =
    action === 'resume'
      ? await db.sagas.resume(options.id)
      : action === 'retry'
        ? await db.sagas.retryCompensation(options.id)
        : await db.sagas.cancel(options.id);
  say(line(saga), saga);
  return 0;
}

function filterOf(options: SagaCommandOptions) {
  const states = options.state?.split(',').map((s) => s.trim());
  for (const state of states ?? [])
    if (!(STATES as readonly string[]).includes(state))
      throw usage(`unknown saga state "${state}" (${STATES.join(', ')})`);
  const olderThan = options.olderThan === undefined ? undefined : Number(options.olderThan);
  if (olderThan !== undefined && !(Number.isFinite(olderThan) && olderThan >= 0))
    throw usage('--older-than takes seconds');
  return {
    ...(states ? { states: states as SagaState[] } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(olderThan !== undefined ? { olderThanMs: Math.round(olderThan * 1000) } : {}),
    ...(options.errors ? { hasError: true } : {}),
  };
}

function line(saga: SagaRecord): string {
  const age = seconds(Math.max(0, Date.now() - saga.createdAt));
  const owner = saga.owner ? `   held by ${saga.owner}` : '';
  const error = saga.error ? `   error: ${saga.error}` : '';
  return `${saga.id}  ${saga.name} v${saga.version}  ${saga.state}  step ${saga.stepIndex}  age ${age}${owner}${error}`;
}

function stepLine(step: SagaStepRecord): string {
  const error = step.error ? `  error: ${step.error}` : '';
  return `  ${new Date(step.startedAt).toISOString()}  ${step.step} ${step.phase}  ${step.status}  attempts ${step.attempts}${error}`;
}

function usage(message: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, {
    fix: 'polystore saga list [--state S,...] [--name N] [--older-than SECONDS] [--errors] | saga show|resume|retry|cancel ID',
  });
}
