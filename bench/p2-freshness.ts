import type { EntityClient } from '../src/index.js';
import { sleep } from './bench-env.js';
import { type BenchItem, benchItem } from './bench-model.js';
import { closedLoop } from './harness.js';
import { openLoop } from './open-loop.js';
import type { Profile } from './profile.js';
import type { Freshness } from './report.js';
import { summarize } from './stats.js';
import type { VisibilityRecorder } from './visibility-recorder.js';

const TARGET = { op: '<=', value: 50 } as const;
/** How long writes may take to show up after the load ends before they count as missing. */
const DRAIN_TIMEOUT_MS = 30_000;
const WARMUP_WRITES = 100;

/** A running system: its entity client, and a recorder per view it projects into. */
export interface FreshnessSystem {
  readonly client: EntityClient<BenchItem>;
  readonly views: Readonly<Record<string, VisibilityRecorder>>;
}

/**
 * Measures commit-to-visible time per view under an open-loop load:
 * 1. warms up (creates, then waits until every view shows them);
 * 2. measures the closed-loop create rate at concurrency 1 (the projectors run meanwhile);
 * 3. offers `profile.p2.loadShare` of that rate at fixed intervals for `loadMs`;
 * 4. waits for every write to show up in every view.
 * Commit time is when `create()` resolved in the caller; visible time is when
 * the view store's apply of that version resolved (see VisibilityRecorder).
 */
export async function measureFreshness(
  id: string,
  mode: string,
  system: FreshnessSystem,
  profile: Profile,
): Promise<Freshness[]> {
  const { client, views } = system;
  let serial = 0;
  const write = async (prefix: string, committed: Map<string, number>) => {
    const key = `${prefix}${serial++}`;
    await client.create(benchItem(key, serial));
    committed.set(key, performance.now());
  };

  const warm = new Map<string, number>();
  for (let i = 0; i < WARMUP_WRITES; i++) await write('w', warm);
  await untilVisible(views, warm.keys());

  const probe = new Map<string, number>();
  const probeStarted = performance.now();
  let probeOps = 0;
  while (performance.now() - probeStarted < profile.p2.rateProbeMs) {
    await closedLoop(20, 1, () => write('p', probe));
    probeOps += 20;
  }
  const maxRatePerSec = (probeOps * 1000) / (performance.now() - probeStarted);
  await untilVisible(views, probe.keys());

  const committed = new Map<string, number>();
  const offeredRatePerSec = maxRatePerSec * profile.p2.loadShare;
  const loadStarted = performance.now();
  const load = await openLoop(offeredRatePerSec, profile.p2.loadMs, () => write('l', committed));
  const missingKeys = await untilVisible(views, committed.keys(), DRAIN_TIMEOUT_MS);

  return Object.entries(views).map(([view, recorder]) => {
    const latencies: number[] = [];
    for (const [key, at] of committed) {
      const visible = recorder.visibleAt(key, 1);
      if (visible !== undefined) latencies.push(visible - at);
    }
    const latencyMs = summarize(latencies);
    const applies = recorder.appliesSince(loadStarted);
    return {
      id: `${id}.${mode}.${view}`,
      title: `freshness, ${mode} mode, ${view} view (commit to visible)`,
      mode,
      view,
      latencyMs,
      applies: { ms: summarize(applies.ms), changes: summarize(applies.changes) },
      missing: missingKeys.get(view) ?? 0,
      load: {
        maxRatePerSec,
        offeredRatePerSec,
        issued: load.issued,
        startLagP99Ms: load.startLagMs.p99,
      },
      target: TARGET,
      met: latencyMs.p99 <= TARGET.value && !missingKeys.get(view),
    };
  });
}

/** Waits until every key (at version 1) is visible in every view; returns per view how many never showed up. */
async function untilVisible(
  views: Readonly<Record<string, VisibilityRecorder>>,
  keys: Iterable<string>,
  timeoutMs = DRAIN_TIMEOUT_MS,
): Promise<Map<string, number>> {
  const wanted = [...keys];
  const deadline = performance.now() + timeoutMs;
  const missing = new Map<string, number>();
  for (;;) {
    missing.clear();
    for (const [view, recorder] of Object.entries(views)) {
      const absent = wanted.filter((key) => recorder.visibleAt(key, 1) === undefined).length;
      if (absent > 0) missing.set(view, absent);
    }
    if (missing.size === 0 || performance.now() > deadline) return missing;
    await sleep(20);
  }
}
