import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY_POLICY } from '../../src/runtime/retry-policy.js';
import {
  INITIAL_PROJECTOR_STATE,
  isActive,
  type ProjectorSignal,
  type ProjectorState,
  transition,
  transitionTable,
} from '../../src/sync/projector-state.js';

const SIGNALS: ProjectorSignal[] = [
  'start',
  'started',
  'fetched',
  'empty',
  'applied',
  'apply-failed',
  'retry',
  'fatal',
  'stop',
  'stopped',
];

/** Applies signals, skipping those the table marks impossible (as the runtime never sends them). */
function run(signals: readonly ProjectorSignal[]): ProjectorState[] {
  const states = [INITIAL_PROJECTOR_STATE];
  let state = INITIAL_PROJECTOR_STATE;
  signals.forEach((signal, i) => {
    if (transitionTable()[state.status][signal] === null) return;
    state = transition(state, signal, i);
    states.push(state);
  });
  return states;
}

describe('projector state machine', () => {
  it('follows the happy path', () => {
    const states = run(['start', 'started', 'fetched', 'applied', 'empty', 'stop', 'stopped']);
    expect(states.map((s) => s.status)).toEqual([
      'idle',
      'starting',
      'polling',
      'applying',
      'polling',
      'polling',
      'stopping',
      'stopped',
    ]);
  });

  it('throws on a pair the table forbids', () => {
    expect(() => transition(INITIAL_PROJECTOR_STATE, 'applied', 0)).toThrow(/no transition from "idle" on "applied"/);
  });

  it('counts consecutive failures and clears them on success', () => {
    const states = run(['start', 'started', 'fetched', 'apply-failed', 'apply-failed', 'retry', 'applied']);
    expect(states.map((s) => s.failures)).toEqual([0, 0, 0, 0, 1, 2, 2, 0]);
    expect(states.at(-1)?.status).toBe('polling');
  });

  it('property: after stop, a projector is never active again until a start restarts it', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SIGNALS), { maxLength: 60 }), (signals) => {
        let state = INITIAL_PROJECTOR_STATE;
        let stopSeen = false;
        for (const [i, signal] of signals.entries()) {
          if (transitionTable()[state.status][signal] === null) continue;
          if (signal === 'stop') stopSeen = true;
          state = transition(state, signal, i);
          if (signal === 'start' && state.status === 'starting') stopSeen = false;
          if (stopSeen) expect(isActive(state.status)).toBe(false);
        }
      }),
    );
  });

  it('property: failures grow by one per apply-failed and are zero after applied or start', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SIGNALS), { maxLength: 60 }), (signals) => {
        let state = INITIAL_PROJECTOR_STATE;
        for (const [i, signal] of signals.entries()) {
          if (transitionTable()[state.status][signal] === null) continue;
          const before = state.failures;
          state = transition(state, signal, i);
          if (signal === 'apply-failed') expect(state.failures).toBe(before + 1);
          else if (signal === 'applied' || signal === 'start') expect(state.failures).toBe(0);
          else expect(state.failures).toBe(before);
        }
      }),
    );
  });

  it('has a decision for every status and signal', () => {
    const table = transitionTable();
    for (const status of Object.keys(table) as (keyof typeof table)[]) {
      expect(Object.keys(table[status]).sort()).toEqual([...SIGNALS].sort());
    }
  });
});

describe('backoff', () => {
  it('grows exponentially within the cap, with jitter', () => {
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 1, () => 0)).toBe(10);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 1, () => 1)).toBe(20);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 4, () => 1)).toBe(160);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 30, () => 1)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs);
  });
});
