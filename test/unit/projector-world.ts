import fc from 'fast-check';
import { seededRandom } from '../../chaos/random.js';
import type { ChangeEvent } from '../../src/contracts/change-event.js';
import { type LogPosition, outboxPosition } from '../../src/contracts/log-position.js';
import { PolystoreError } from '../../src/errors/index.js';
import {
  INITIAL_PROJECTOR_STATE,
  type ProjectorCommand,
  type ProjectorObservation,
  type ProjectorPolicy,
  type ProjectorState,
  transition,
} from '../../src/sync/projector-state.js';

/**
 * A simulated runtime for the projector's transition function: a log, a
 * store, a dead-letter store and callers that answer each command with an
 * outcome chosen by fast-check (successes, failures of every kind, outages),
 * and call `stop()`, `commit()` and `start()` at any moment. It keeps what a
 * real runtime keeps (the handled events held for acknowledgement) and
 * records every transition for the invariants to check.
 */
export interface WorldStep {
  /** Chooses the outcome of the command in flight. */
  readonly pick: number;
  /** Milliseconds that pass before this step. */
  readonly dt: number;
  /** Chooses a call from outside the loop (most steps have none). */
  readonly outside: number;
}

export interface Transition {
  readonly before: ProjectorState;
  readonly observation: ProjectorObservation;
  readonly after: ProjectorState;
  readonly command: ProjectorCommand;
  /** The observation is the outcome of a loop command (not a call from outside). */
  readonly loop: boolean;
  readonly now: number;
}

export interface WorldRun {
  readonly policy: ProjectorPolicy;
  readonly transitions: readonly Transition[];
  /** Events acknowledged, in order (by the loop or by a caller's commit). */
  readonly acked: readonly ChangeEvent[];
  /** Events handed over by `advance` commands, in order. */
  readonly advanced: readonly ChangeEvent[];
}

export const worldSteps = fc.array(fc.record({ pick: fc.nat(1_000_000), dt: fc.nat(2_500), outside: fc.nat(99) }), {
  minLength: 40,
  maxLength: 250,
});

export const worldPolicies = fc
  .record({
    batchSize: fc.integer({ min: 1, max: 6 }),
    pollIntervalMs: fc.integer({ min: 1, max: 100 }),
    flushIntervalMs: fc.integer({ min: 0, max: 3_000 }),
    maxAttempts: fc.integer({ min: 1, max: 4 }),
    baseDelayMs: fc.integer({ min: 0, max: 50 }),
    extraDelayMs: fc.integer({ min: 0, max: 2_000 }),
    durability: fc.constantFrom('immediate' as const, 'on-flush' as const),
    seed: fc.nat(),
  })
  .map(
    (p): ProjectorPolicy => ({
      entity: 'items',
      batchSize: p.batchSize,
      pollIntervalMs: p.pollIntervalMs,
      flushIntervalMs: p.flushIntervalMs,
      retry: { maxAttempts: p.maxAttempts, baseDelayMs: p.baseDelayMs, maxDelayMs: p.baseDelayMs + p.extraDelayMs },
      durability: p.durability,
      random: seededRandom(p.seed),
    }),
  );

const unavailable = () => new PolystoreError('PS_ERR_STORE_UNAVAILABLE', 'the store is down');
const broken = () => new Error('cannot apply this');

/** Runs the transition function against the simulated world for `steps`. */
export function simulate(policy: ProjectorPolicy, steps: readonly WorldStep[]): WorldRun {
  const transitions: Transition[] = [];
  const acked: ChangeEvent[] = [];
  const advanced: ChangeEvent[] = [];
  const log = eventSource();
  let state = INITIAL_PROJECTOR_STATE;
  let now = 1_000;
  let inFlight: ProjectorCommand | null = null;
  let held: ChangeEvent[] = [];
  let callerCommit: ChangeEvent[] | null = null;
  let checkpoint: LogPosition | null = null;

  const observe = (observation: ProjectorObservation, loop: boolean): ProjectorCommand => {
    const before = deepFreeze(state);
    const { state: after, command } = transition(before, observation, now, policy);
    transitions.push({ before, observation, after, command, loop, now });
    state = after;
    return command;
  };
  const acknowledge = (events: ChangeEvent[]) => {
    acked.push(...events);
    for (const event of events) if (checkpoint === null || event.position > checkpoint) checkpoint = event.position;
  };

  for (const step of steps) {
    now += step.dt;
    const random = seededRandom(step.pick);
    const chance = (share: number) => random() < share;
    // Calls from outside the loop.
    if (callerCommit && step.outside % 3 === 0) {
      const events = callerCommit;
      callerCommit = null;
      observe({ type: 'caller-committed', count: events.length }, false);
    } else if (step.outside < 4) {
      const answer = observe({ type: 'stop' }, false);
      if (answer.type !== 'none' && answer.type !== 'wake') throw new Error(`stop answered ${answer.type}`);
    } else if (step.outside < 10 && !callerCommit) {
      const answer = observe({ type: 'commit-requested' }, false);
      if (answer.type === 'commit') {
        const events = held;
        held = [];
        // A failed acknowledgement drops what it took (as the runtime's does) and reports nothing.
        if (!chance(0.1)) {
          acknowledge(events);
          callerCommit = events;
        }
      } else if (answer.type !== 'none') throw new Error(`commit() answered ${answer.type}`);
    }
    if (inFlight === null || inFlight.type === 'exit') {
      const resting = state.phase === 'idle' || state.phase === 'stopped';
      if (resting && (state.phase === 'idle' || step.outside >= 80)) inFlight = observe({ type: 'start' }, false);
      continue;
    }
    inFlight = observe(respond(inFlight, random), true);
  }
  return { policy, transitions, acked, advanced };

  function respond(command: ProjectorCommand, random: () => number): ProjectorObservation {
    const chance = (share: number) => random() < share;
    switch (command.type) {
      case 'open':
        held = [];
        return chance(0.1) ? { type: 'failed', error: unavailable() } : { type: 'opened', position: checkpoint };
      case 'fetch': {
        if (chance(0.1)) return { type: 'failed', error: unavailable() };
        if (chance(0.3)) return { type: 'log-empty' };
        return { type: 'fetched', events: log.next(1 + Math.floor(random() * command.max), random) };
      }
      case 'sleep':
        return { type: 'slept' };
      case 'apply-batch': {
        const unprojectable = command.events.filter(() => chance(0.15)).map((event) => ({ event, error: broken() }));
        const projectable = command.events.filter((e) => !unprojectable.some((u) => u.event === e));
        if (projectable.length > 0 && chance(0.25)) {
          return { type: 'batch-failed', error: chance(0.5) ? unavailable() : broken(), projectable, unprojectable };
        }
        const skipped = projectable.filter(() => chance(0.2)).length;
        return { type: 'batch-applied', applied: projectable.length - skipped, skipped, unprojectable };
      }
      case 'apply-key': {
        if (chance(0.5)) return chance(0.8) ? { type: 'key-applied', applied: 1, skipped: 0 } : skippedKey();
        return { type: 'key-failed', error: chance(0.5) ? unavailable() : broken() };
      }
      case 'dead-letter':
        return chance(0.1) ? { type: 'failed', error: unavailable() } : { type: 'dead-lettered' };
      case 'advance':
        held.push(...command.events);
        advanced.push(...command.events);
        return { type: 'advanced' };
      case 'commit': {
        const events = held;
        if (chance(0.15)) {
          // The flush failed (nothing taken) or the ack did (what it took is dropped).
          if (chance(0.5)) held = [];
          return { type: 'failed', error: unavailable() };
        }
        held = [];
        acknowledge(events);
        return { type: 'committed', count: events.length };
      }
      case 'reopen':
        held = [];
        return chance(0.15) ? { type: 'failed', error: unavailable() } : { type: 'reopened' };
      case 'wake':
      case 'none':
      case 'exit':
        throw new Error(`the loop was handed ${command.type}`);
    }
  }
}

function skippedKey(): ProjectorObservation {
  return { type: 'key-applied', applied: 0, skipped: 1 };
}

/** New versions of a few hot keys (some of another entity), with an old version delivered again now and then. */
function eventSource() {
  let tx = 0;
  const versions = new Map<string, number>();
  const sent: ChangeEvent[] = [];
  return {
    next(count: number, random: () => number): ChangeEvent[] {
      tx++;
      const events: ChangeEvent[] = [];
      for (let seq = 1; seq <= count; seq++) {
        if (sent.length > 0 && random() < 0.1) {
          events.push(sent[Math.floor(random() * sent.length)]!);
          continue;
        }
        const entity = random() < 0.15 ? 'other' : 'items';
        const key = `k${Math.floor(random() * 4)}`;
        const version = (versions.get(`${entity}/${key}`) ?? 0) + 1;
        versions.set(`${entity}/${key}`, version);
        const event: ChangeEvent = {
          entity,
          key,
          version,
          op: version === 1 ? 'create' : 'update',
          payload: { id: key, version },
          eventId: `${entity}/${key}@${version}`,
          position: outboxPosition(tx, seq),
          committedAt: 0,
        };
        sent.push(event);
        events.push(event);
      }
      return events;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
