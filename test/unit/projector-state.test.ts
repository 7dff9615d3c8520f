import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/contracts/change-event.js';
import { outboxPosition } from '../../src/contracts/log-position.js';
import { isPolystoreError, PolystoreError } from '../../src/errors/index.js';
import { backoffDelay, DEFAULT_RETRY_POLICY } from '../../src/runtime/retry-policy.js';
import {
  INITIAL_PROJECTOR_STATE,
  type ProjectorCommand,
  type ProjectorObservation,
  type ProjectorPhase,
  type ProjectorPolicy,
  type ProjectorSignal,
  type ProjectorState,
  type ProjectorTable,
  transition,
  transitionTable,
} from '../../src/sync/projector-state.js';

const PHASES = Object.keys(transitionTable()) as ProjectorPhase[];
const SIGNALS = Object.keys(transitionTable().idle) as ProjectorSignal[];

const POLICY: ProjectorPolicy = {
  entity: 'items',
  batchSize: 10,
  pollIntervalMs: 50,
  flushIntervalMs: 1_000,
  retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 2_000 },
  durability: 'immediate',
  random: () => 0.5,
};

let seq = 0;
function event(key: string, version: number, entity = 'items'): ChangeEvent {
  seq++;
  return {
    entity,
    key,
    version,
    op: 'update',
    payload: { id: key },
    eventId: `${entity}/${key}@${version}`,
    position: outboxPosition(1, seq),
    committedAt: 0,
  };
}

const unavailable = new PolystoreError('PS_ERR_STORE_UNAVAILABLE', 'the store is down');
const broken = new Error('cannot apply');

/** Feeds observations in order (at the given times) and returns every decision. */
function drive(
  observations: readonly ProjectorObservation[],
  policy: ProjectorPolicy = POLICY,
  from: ProjectorState = INITIAL_PROJECTOR_STATE,
  times: readonly number[] = [],
): { state: ProjectorState; commands: ProjectorCommand[] } {
  let state = from;
  const commands: ProjectorCommand[] = [];
  observations.forEach((observation, i) => {
    const decision = transition(state, observation, times[i] ?? 1_000 + i, policy);
    state = decision.state;
    commands.push(decision.command);
  });
  return { state, commands };
}

const running = drive([{ type: 'start' }, { type: 'opened', position: null }]).state;

describe('projector transition table', () => {
  it('decides every (phase, observation) pair; a table missing one does not compile', () => {
    for (const phase of PHASES) expect(Object.keys(transitionTable()[phase]).sort()).toEqual([...SIGNALS].sort());
    expect(PHASES).toHaveLength(15);
    expect(SIGNALS).toHaveLength(17);
    // @ts-expect-error a phase whose row leaves observations undecided is refused by the compiler
    const incomplete: ProjectorTable = { ...transitionTable(), idle: { start: null } };
    expect(incomplete.idle.stop).toBeUndefined();
  });

  it('throws a coded error on a pair the table marks impossible', () => {
    let caught: unknown;
    try {
      transition(INITIAL_PROJECTOR_STATE, { type: 'advanced' }, 0, POLICY);
    } catch (err) {
      caught = err;
    }
    expect(isPolystoreError(caught, 'PS_ERR_PROJECTION_FAILED')).toBe(true);
    expect((caught as Error).message).toContain('"advanced" while in phase "idle"');
  });
});

describe('projector decisions (examples)', () => {
  it('applies the newest version per key in one call, then acknowledges a durable store at once', () => {
    const a1 = event('a', 1);
    const b1 = event('b', 1);
    const a2 = event('a', 2);
    const other = event('a', 9, 'other');
    const { state, commands } = drive([
      { type: 'start' },
      { type: 'opened', position: null },
      { type: 'fetched', events: [a1, b1, a2, other] },
      { type: 'batch-applied', applied: 2, skipped: 0, unprojectable: [] },
      { type: 'advanced' },
      { type: 'committed', count: 4 },
    ]);
    expect(commands).toEqual([
      { type: 'open' },
      { type: 'fetch', max: 10 },
      { type: 'apply-batch', events: [a2, b1] },
      { type: 'advance', position: other.position, events: [a1, b1, a2, other] },
      { type: 'commit', flush: false, final: false },
      { type: 'fetch', max: 10 },
    ]);
    expect(state).toMatchObject({ status: 'polling', unacked: 0, counts: { applied: 2, skipped: 1 } });
  });

  it('hands a view that keeps every event (an archive) each event of its entity, in log order', () => {
    const [a1, b1, a2, other] = [event('a', 1), event('b', 1), event('a', 2), event('a', 9, 'other')];
    const { state, commands } = drive(
      [
        { type: 'start' },
        { type: 'opened', position: null },
        { type: 'fetched', events: [a1, b1, a2, other] },
        { type: 'batch-applied', applied: 3, skipped: 0, unprojectable: [] },
      ],
      { ...POLICY, everyEvent: true },
    );
    expect(commands[2]).toEqual({ type: 'apply-batch', events: [a1, b1, a2] });
    expect(commands[3]).toEqual({ type: 'advance', position: other.position, events: [a1, b1, a2, other] });
    expect(state.counts).toMatchObject({ applied: 3, skipped: 0 });
  });

  it('after a failed batch applies key by key, unprojectable keys last and after a backoff', () => {
    const [a, b, c] = [event('a', 1), event('b', 1), event('c', 1)];
    const { commands, state } = drive(
      [
        { type: 'fetched', events: [a, b, c] },
        { type: 'batch-failed', error: broken, projectable: [a, c], unprojectable: [{ event: b, error: broken }] },
        { type: 'key-applied', applied: 1, skipped: 0 },
        { type: 'key-applied', applied: 1, skipped: 0 },
        { type: 'slept' },
        { type: 'key-applied', applied: 1, skipped: 0 },
      ],
      POLICY,
      running,
    );
    expect(commands.map((c) => (c.type === 'apply-key' ? `apply ${c.event.key}` : c.type))).toEqual([
      'apply-batch',
      'apply a',
      'apply c',
      'sleep',
      'apply b',
      'advance',
    ]);
    expect(commands[3]).toEqual({ type: 'sleep', ms: backoffDelay(POLICY.retry, 1, POLICY.random) });
    expect(state.counts).toMatchObject({ applied: 3, failedAttempts: 2 });
  });

  it('dead-letters a failing key after retry.maxAttempts; an unavailable store uses no attempt', () => {
    const a = event('a', 1);
    const { commands, state } = drive(
      [
        { type: 'fetched', events: [a] },
        { type: 'batch-failed', error: broken, projectable: [a], unprojectable: [] },
        { type: 'key-failed', error: broken },
        { type: 'slept' },
        { type: 'key-failed', error: unavailable },
        { type: 'slept' },
        { type: 'key-failed', error: unavailable },
        { type: 'slept' },
        { type: 'key-failed', error: broken },
        { type: 'slept' },
        { type: 'key-failed', error: broken },
        { type: 'dead-lettered' },
      ],
      POLICY,
      running,
    );
    const sleeps = commands.filter((c) => c.type === 'sleep').map((c) => (c as { ms: number }).ms);
    // Attempt backoff for own failures (1, 2), failure-count backoff for the outage (2, 3 failures so far).
    const delay = (n: number) => backoffDelay(POLICY.retry, n, POLICY.random);
    expect(sleeps).toEqual([delay(1), delay(2), delay(3), delay(2)]);
    expect(commands.at(-2)).toMatchObject({ type: 'dead-letter', attempts: 3, error: broken });
    expect(commands.at(-1)).toMatchObject({ type: 'advance' });
    expect(state.counts).toMatchObject({ deadLettered: 1, failedAttempts: 6 });
  });

  it('lets an on-flush store trail by flushIntervalMs, and acknowledges once the log stays empty for a poll', () => {
    const policy = { ...POLICY, durability: 'on-flush' as const };
    const start = drive([{ type: 'start' }, { type: 'opened', position: null }], policy).state;
    const committed = drive(
      [{ type: 'fetched', events: [event('a', 1)] }, ...applied(), { type: 'committed', count: 1 }],
      policy,
      start,
      [5_000, 5_000, 5_000, 5_000],
    );
    // The first batch is due (no commit yet); the next one, 10 ms later, is not.
    expect(committed.commands.at(-2)).toEqual({ type: 'commit', flush: true, final: false });
    const trailing = drive(
      [{ type: 'fetched', events: [event('b', 1)] }, ...applied(), { type: 'log-empty' }, { type: 'slept' }],
      policy,
      committed.state,
      [5_010, 5_010, 5_010, 5_020, 5_070],
    );
    expect(trailing.commands.slice(2)).toEqual([
      { type: 'fetch', max: 10 },
      { type: 'sleep', ms: 50 },
      { type: 'fetch', max: 10 },
    ]);
    const idle = drive([{ type: 'log-empty' }], policy, trailing.state, [5_080]);
    expect(idle.commands).toEqual([{ type: 'commit', flush: true, final: false }]);
  });

  it('backs off after a loop failure and resumes from the checkpoint with a fresh consumer', () => {
    const { commands, state } = drive(
      [{ type: 'failed', error: unavailable }, { type: 'slept' }, { type: 'reopened' }],
      POLICY,
      running,
    );
    expect(commands).toEqual([
      { type: 'sleep', ms: backoffDelay(POLICY.retry, 1, POLICY.random) },
      { type: 'reopen' },
      { type: 'fetch', max: 10 },
    ]);
    expect(state).toMatchObject({ status: 'polling', failures: 1, counts: { failedAttempts: 1 } });
  });

  it('on stop: wakes a sleep, finishes the batch in hand, commits once and exits', () => {
    const sleeping = drive([{ type: 'log-empty' }], POLICY, running).state;
    expect(drive([{ type: 'stop' }], POLICY, sleeping).commands).toEqual([{ type: 'wake' }]);
    const a = event('a', 1);
    const { commands, state } = drive(
      [
        { type: 'stop' },
        { type: 'fetched', events: [a] },
        { type: 'batch-applied', applied: 1, skipped: 0, unprojectable: [] },
        { type: 'advanced' },
        { type: 'committed', count: 1 },
      ],
      POLICY,
      { ...running, phase: 'fetching' },
    );
    expect(commands.map((c) => c.type)).toEqual(['none', 'apply-batch', 'advance', 'commit', 'exit']);
    expect(commands[3]).toEqual({ type: 'commit', flush: false, final: true });
    expect(state).toMatchObject({ phase: 'stopped', status: 'stopped' });
    expect(drive([{ type: 'stop' }]).state).toMatchObject({ phase: 'stopped', status: 'stopped' });
  });

  it('abandons the batch in hand when the store is unavailable during a stop (it is delivered again)', () => {
    const a = event('a', 1);
    const { commands, state } = drive(
      [
        { type: 'fetched', events: [a] },
        { type: 'batch-failed', error: unavailable, projectable: [a], unprojectable: [] },
        { type: 'stop' },
        { type: 'key-failed', error: unavailable },
      ],
      POLICY,
      running,
    );
    expect(commands.map((c) => c.type)).toEqual(['apply-batch', 'apply-key', 'none', 'exit']);
    expect(state).toMatchObject({ unacked: 0, batch: null, counts: { deadLettered: 0 } });
  });

  it('reports a start whose consumer did not open as failed; a new start opens again', () => {
    const failed = drive([{ type: 'start' }, { type: 'failed', error: unavailable }]);
    expect(failed.commands).toEqual([{ type: 'open' }, { type: 'exit' }]);
    expect(failed.state).toMatchObject({ phase: 'stopped', status: 'failed' });
    expect(drive([{ type: 'start' }], POLICY, failed.state).commands).toEqual([{ type: 'open' }]);
  });
});

function applied(): ProjectorObservation[] {
  return [{ type: 'batch-applied', applied: 1, skipped: 0, unprojectable: [] }, { type: 'advanced' }];
}

describe('backoff', () => {
  it('grows exponentially within the cap, with jitter', () => {
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 1, () => 0)).toBe(10);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 1, () => 1)).toBe(20);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 4, () => 1)).toBe(160);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 30, () => 1)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs);
  });
});
