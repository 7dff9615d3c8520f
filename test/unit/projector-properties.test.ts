import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPolystoreError } from '../../src/errors/index.js';
import { newestPerKey } from '../../src/sync/projector-decisions.js';
import {
  isActive,
  type ProjectorPhase,
  type ProjectorSignal,
  transitionTable,
} from '../../src/sync/projector-state.js';
import { simulate, type Transition, type WorldRun, worldPolicies, worldSteps } from './projector-world.js';

/**
 * Properties of the projector's transition function, checked on runs of a
 * simulated world (test/unit/projector-world.ts) that answers every command
 * with any outcome (successes, store outages, poison events, log and
 * checkpoint failures) and calls stop(), commit() and start() at any moment.
 */
const RUNS = { numRuns: 300 };
const LOOP_FAILURES = new Set<ProjectorPhase>([
  'fetching',
  'committing-idle',
  'dead-lettering',
  'committing',
  'reopening',
]);
const transient = (error: unknown) => isPolystoreError(error, 'PS_ERR_STORE_UNAVAILABLE');

function property(check: (run: WorldRun) => void) {
  fc.assert(
    fc.property(worldPolicies, worldSteps, (policy, steps) => check(simulate(policy, steps))),
    RUNS,
  );
}

/** The key the loop held when `t` was observed. */
function keyInHand(t: Transition) {
  return t.before.batch?.current?.event;
}

describe('projector transition function (properties)', () => {
  it('never dead-letters for an unavailable store; dead-letters only after retry.maxAttempts own failures', () => {
    property(({ policy, transitions }) => {
      let own = new Map<string, number>();
      for (const t of transitions) {
        const o = t.observation;
        if (o.type === 'fetched') own = new Map();
        if (o.type === 'batch-applied' || o.type === 'batch-failed') {
          for (const u of o.unprojectable) own.set(u.event.eventId, 1);
        }
        if (o.type === 'key-failed' && !transient(o.error)) {
          const id = keyInHand(t)!.eventId;
          own.set(id, (own.get(id) ?? 0) + 1);
        }
        if (t.command.type === 'dead-letter') {
          if (o.type === 'key-failed') expect(transient(o.error)).toBe(false);
          expect(t.command.attempts).toBe(policy.retry.maxAttempts);
          expect(own.get(t.command.event.eventId)).toBe(policy.retry.maxAttempts);
        }
        for (const state of [t.before, t.after]) {
          expect(state.batch?.current?.attempts ?? 0).toBeLessThanOrEqual(policy.retry.maxAttempts);
        }
      }
    });
  });

  it('hands a batch over for acknowledgement only once every key of it is applied or dead-lettered', () => {
    property(({ policy, transitions, acked, advanced }) => {
      let pending = new Set<string>();
      for (const t of transitions) {
        const o = t.observation;
        if (o.type === 'fetched') {
          pending = new Set(newestPerKey(o.events, policy.entity).newest.map((e) => e.eventId));
        }
        if (o.type === 'batch-applied') {
          const left = new Set(o.unprojectable.map((u) => u.event.eventId));
          pending = new Set([...pending].filter((id) => left.has(id)));
        }
        if (o.type === 'key-applied' || o.type === 'dead-lettered') pending.delete(keyInHand(t)!.eventId);
        if (t.command.type === 'advance') expect([...pending]).toEqual([]);
        // The loop never commits with a batch in hand (a caller's commit only takes handled events).
        if (t.command.type === 'commit' && t.loop) expect(t.after.batch).toBeNull();
      }
      // Acknowledged events are handled ones, in the order they were handled.
      const handed = new Set(advanced);
      expect(acked.every((e) => handed.has(e))).toBe(true);
    });
  });

  it('handles every fetched batch before the next fetch, or gives it back by reopening the consumer', () => {
    property(({ transitions }) => {
      let inHand = false;
      for (const t of transitions) {
        if (t.observation.type === 'fetched') inHand = true;
        if (t.command.type === 'fetch') expect(inHand).toBe(false);
        if (t.command.type === 'advance' || t.command.type === 'reopen' || t.command.type === 'exit') inHand = false;
      }
    });
  });

  it('ends a stop in exit after at most one commit, within a bounded number of steps, without waiting out an outage', () => {
    property(({ policy, transitions }) => {
      const bound = policy.batchSize * (2 * policy.retry.maxAttempts + 2) + 8;
      let stoppedAt: number | null = null;
      let commits = 0;
      transitions.forEach((t, i) => {
        if (t.observation.type === 'stop' && stoppedAt === null && t.after.stopping) {
          stoppedAt = i;
          commits = 0;
        }
        if (stoppedAt === null) return;
        if (t.loop && t.command.type === 'commit') commits++;
        // An unavailable store during a stop gives the batch back rather than wait for the store.
        if (t.observation.type === 'key-failed' && transient(t.observation.error)) {
          expect(['commit', 'exit']).toContain(t.command.type);
        }
        expect(commits).toBeLessThanOrEqual(1);
        expect(transitions.slice(stoppedAt, i + 1).filter((s) => s.loop).length).toBeLessThanOrEqual(bound);
        if (t.command.type === 'exit') stoppedAt = null;
      });
    });
  });

  it('sleeps only for a poll interval or a backoff within the retry policy', () => {
    property(({ policy, transitions }) => {
      const { baseDelayMs, maxDelayMs } = policy.retry;
      for (const t of transitions) {
        if (t.command.type !== 'sleep') continue;
        if (t.after.phase === 'polling') expect(t.command.ms).toBe(policy.pollIntervalMs);
        else {
          expect(['retry-waiting', 'backing-off']).toContain(t.after.phase);
          // A key is tried again at once when its delay is 0; only a loop failure sleeps 0 ms.
          if (t.after.phase === 'retry-waiting') expect(t.command.ms).toBeGreaterThan(0);
          expect(t.command.ms).toBeGreaterThanOrEqual(Math.round(baseDelayMs / 2));
          expect(t.command.ms).toBeLessThanOrEqual(maxDelayMs);
        }
      }
    });
  });

  it('acknowledges a durable store after every batch and an on-flush store when a flush is due or the log is idle', () => {
    property(({ policy, transitions }) => {
      for (const t of transitions) {
        if (t.command.type === 'commit') expect(t.command.flush).toBe(policy.durability === 'on-flush');
        const { before, observation, command } = t;
        if (before.stopping) continue;
        if (observation.type === 'advanced') {
          const due = policy.durability === 'immediate' || t.now - before.lastCommitAt >= policy.flushIntervalMs;
          expect(command.type).toBe(due ? 'commit' : 'fetch');
        }
        if (observation.type === 'log-empty' && before.idle && before.unacked > 0) expect(command.type).toBe('commit');
      }
    });
  });

  it('counts every outcome in the stats counters', () => {
    property(({ policy, transitions }) => {
      const sum = { applied: 0, skipped: 0, deadLettered: 0, failedAttempts: 0 };
      for (const t of transitions) {
        const o = t.observation;
        if (o.type === 'fetched') sum.skipped += newestPerKey(o.events, policy.entity).superseded;
        if (o.type === 'batch-applied' || o.type === 'key-applied') {
          sum.applied += o.applied;
          sum.skipped += o.skipped;
        }
        if (o.type === 'batch-applied') sum.failedAttempts += o.unprojectable.length;
        if (o.type === 'batch-failed') sum.failedAttempts += 1 + o.unprojectable.length;
        if (o.type === 'key-failed') sum.failedAttempts++;
        if (o.type === 'failed' && LOOP_FAILURES.has(t.before.phase)) sum.failedAttempts++;
        if (o.type === 'dead-lettered') sum.deadLettered++;
      }
      expect(transitions.at(-1)?.after.counts ?? sum).toEqual(sum);
    });
  });

  it('reports a status that matches the phase, and is never active after a stop until a start', () => {
    property(({ transitions }) => {
      let stopped = false;
      for (const { observation, after } of transitions) {
        if (observation.type === 'start') stopped = false;
        if (observation.type === 'stop') stopped = true;
        if (stopped) expect(isActive(after.status)).toBe(false);
        if (after.phase === 'idle') expect(after.status).toBe('idle');
        else if (after.phase === 'stopped') expect(['stopped', 'failed']).toContain(after.status);
        else expect(after.status === 'stopping').toBe(after.stopping);
      }
    });
  });

  it('advances the position to the newest event of each handled batch, never back', () => {
    property(({ transitions }) => {
      for (const { before, after, command, observation } of transitions) {
        if (command.type === 'advance') {
          for (const e of command.events) expect(command.position >= e.position).toBe(true);
          expect(before.position === null || command.position >= before.position).toBe(true);
          expect(after.position).toBe(command.position);
        } else if (observation.type !== 'opened') expect(after.position).toBe(before.position);
      }
    });
  });

  it('reaches every pair the table decides, and no pair it marks impossible', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(worldPolicies, worldSteps, (policy, steps) => {
        for (const t of simulate(policy, steps).transitions) reached.add(`${t.before.phase} ${t.observation.type}`);
      }),
      { numRuns: 1_500, seed: 20_240_601 },
    );
    const table = transitionTable();
    const decided = (Object.keys(table) as ProjectorPhase[]).flatMap((phase) =>
      (Object.keys(table[phase]) as ProjectorSignal[])
        .filter((signal) => table[phase][signal] !== null)
        .map((signal) => `${phase} ${signal}`),
    );
    expect([...reached].sort()).toEqual(decided.sort());
  });
});
