import type { Profile } from './profile.js';
import { between, type Random, shuffle } from './random.js';
import { SERVER_NAMES, type ServerName, sleep } from './servers.js';

export type Fault = { readonly kind: 'kill' } | { readonly kind: 'restart'; readonly server: ServerName };

/** What the schedule acts on. */
export interface FaultTargets {
  /** SIGKILL the worker and start its next incarnation. */
  killWorker(): Promise<void>;
  /** Stop the server, keep it down for `downMs`, start it again. */
  restartServer(server: ServerName, downMs: number): Promise<void>;
}

export interface FaultEvent {
  readonly atMs: number;
  readonly what: string;
  readonly tookMs: number;
}

/**
 * The faults of a run, in a seeded random order: the profile's worker kills and
 * server restarts, shuffled so they land at different points of the workload,
 * never two of the same server back to back.
 */
export function planFaults(profile: Profile, random: Random): Fault[] {
  const faults: Fault[] = Array.from({ length: profile.kills }, () => ({ kind: 'kill' }) as const);
  for (const server of SERVER_NAMES)
    for (let i = 0; i < profile.restarts[server]; i++) faults.push({ kind: 'restart', server });
  for (let attempt = 0; attempt < 100; attempt++) {
    shuffle(faults, random);
    if (faults.every((f, i) => i === 0 || f.kind === 'kill' || !sameFault(f, faults[i - 1]!))) break;
  }
  return faults;
}

/**
 * Runs the plan one fault at a time while the writes go on: a random pause
 * (so each kill lands at a random point of the worker's life), then the fault.
 */
export async function runFaults(
  plan: readonly Fault[],
  profile: Profile,
  random: Random,
  targets: FaultTargets,
  aborted: () => boolean,
  onEvent: (event: FaultEvent) => void,
): Promise<void> {
  const began = Date.now();
  for (const fault of plan) {
    await sleep(between(random, profile.faultGapMs[0], profile.faultGapMs[1]));
    if (aborted()) return;
    const at = Date.now();
    let what: string;
    if (fault.kind === 'kill') {
      what = 'SIGKILL worker';
      await targets.killWorker();
    } else {
      const downMs = between(random, profile.downMs[0], profile.downMs[1]);
      what = `restart ${fault.server} (down ${downMs} ms)`;
      await targets.restartServer(fault.server, downMs);
    }
    onEvent({ atMs: at - began, what, tookMs: Date.now() - at });
  }
}

function sameFault(a: Fault, b: Fault): boolean {
  return a.kind === 'restart' && b.kind === 'restart' && a.server === b.server;
}
