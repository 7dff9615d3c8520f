import type { EntityTableSpec, HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';
import { PolystoreError } from '../errors/index.js';
import { holdOutbox, OUTBOX_HOLD_KEY } from '../sync/outbox-hold.js';
import { addTouched, catchUpOnce, copyEntity } from './home-copy.js';
import { copyHomeRecords, copyOutboxTail } from './home-cutover.js';
import { assertMovable, claimTarget, prunedPast, TARGET_MARKER_KEY } from './move-preflight.js';
import { verifyAfterFence, verifyLive } from './move-verify.js';

/** Events per catch-up read under which the source counts as caught up while it still takes writes. */
const LIVE_TRICKLE = 100;

export type MoveStep =
  | 'copying'
  | 'catching-up'
  | 'verifying'
  | 'fencing'
  | 'final-catch-up'
  | 'final-verify'
  | 'moving-outbox'
  | 'done';

/** Progress of a move, reported at each chunk and step. */
export interface MoveProgress {
  readonly step: MoveStep;
  readonly entity?: string;
  /** Rows and tombstones copied so far (all entities). */
  readonly copied: number;
  /** Outbox events read by catch-ups so far. */
  readonly events: number;
}

export interface MoveHomeOptions {
  readonly onProgress?: (progress: MoveProgress) => void;
  /** Longest the cutover waits for the source's last events to settle (an open transaction elsewhere holds them). Default 30 000. */
  readonly settleTimeoutMs?: number;
  /** How long the source keeps its outbox for the move without hearing from it (the prune guard's lease). Default 60 000. */
  readonly leaseMs?: number;
}

/** Called by the move around its cutover (an application that moves its own home switches to the target here). */
export interface MoveHooks {
  /** Just before the fence: stop starting writes on the source (they wait). */
  beforeFence?(): void | Promise<void>;
  /** After the cutover: the target is the home now. */
  afterCutover?(): void | Promise<void>;
  /** The move failed after `beforeFence`: the source's fence is lifted; writes may go on there. */
  onAbort?(): void | Promise<void>;
}

export interface MoveOutcome {
  readonly from: string;
  readonly to: string;
  readonly rows: number;
  readonly tombstones: number;
  /** Outbox events the catch-ups read, before and after the fence. */
  readonly events: number;
  /** Ids found different before the fence (changes in flight while verifying) and copied again. */
  readonly repairedBeforeCutover: number;
  /** Ids compared after the fence (those changed since the verification), and how many differed and were copied again. */
  readonly verifiedAfterFence: number;
  readonly repairedAfterFence: number;
  /** Events still needed by consumers, copied into the target's outbox; checkpoints moved with them. */
  readonly outboxTail: number;
  readonly checkpoints: number;
  readonly deadLetters: number;
  /** From the fence to the end of the cutover: how long writes were refused (or held). */
  readonly writesPausedMs: number;
  readonly totalMs: number;
}

/**
 * Moves an application's system of record from `source` to `target` while
 * the source keeps taking writes (the seed's CDC migration): a keyset
 * snapshot with versions and tombstones, catch-up through the source's
 * outbox (kept from pruning meanwhile), a content verification with repair,
 * then the cutover: the source is fenced (writes in flight finish, later ones
 * fail with `PS_ERR_HOME_MOVED` naming the target), the last events are
 * copied, the ids changed since the verification are compared again, and the
 * outbox tail that consumers still need moves with their checkpoints, with
 * dead letters and view generations: views need no rebuild. A failure before
 * the cutover ends lifts the fence. Run again after a crash, it resumes into
 * the same target (every copy is version-guarded).
 */
export async function moveHome(
  source: HomeStore,
  target: HomeStore,
  specs: readonly EntityTableSpec[],
  hooks: MoveHooks = {},
  options: MoveHomeOptions = {},
): Promise<MoveOutcome> {
  const started = Date.now();
  const leaseMs = options.leaseMs ?? 60_000;
  const bySpec = new Map(specs.map((spec) => [spec.entity, spec]));
  const progress = { copied: 0, events: 0 };
  const report = (step: MoveStep, entity?: string) =>
    options.onProgress?.({ step, ...(entity ? { entity } : {}), ...progress });

  await Promise.all([source.ready(), target.ready()]);
  await target.ensureSchema(specs);
  await assertMovable(source, target, specs);
  await claimTarget(source, target);
  const lease = (position: LogPosition | null) => holdOutbox(source, position, leaseMs);

  let position: LogPosition | null = null;
  let rows = 0;
  let tombstones = 0;
  for (let attempt = 1; ; attempt++) {
    // Hold the whole outbox, then note where the copy starts: no prune can pass that point.
    await lease(null);
    position = await source.outboxHead();
    await lease(position);
    for (const spec of specs) {
      report('copying', spec.entity);
      const base = progress.copied;
      const counts = await copyEntity(source, target, spec, (c) => {
        progress.copied = base + c.rows + c.tombstones;
        report('copying', spec.entity);
      });
      rows += counts.rows;
      tombstones += counts.tombstones;
    }
    if (!(await prunedPast(source, position))) break;
    if (attempt === 3)
      throw moveError('the source pruned its outbox past the copy three times; stop pruning and retry');
  }

  const catchUp = async (touched?: Map<string, Set<string>>): Promise<number> => {
    const step = await catchUpOnce(source, target, bySpec, position);
    position = step.position;
    progress.events += step.events;
    if (touched) addTouched(touched, step.touched);
    await lease(position);
    return step.events;
  };
  // Live catch-up ends once a read finds only a trickle: the rest is read after the fence.
  report('catching-up');
  while ((await catchUp()) >= LIVE_TRICKLE) report('catching-up');

  // Ids changed from here on are compared again after the fence.
  const changed = new Map<string, Set<string>>();
  report('verifying');
  const repairedBeforeCutover = await verifyLive(source, target, specs);
  while ((await catchUp(changed)) >= LIVE_TRICKLE) report('catching-up');

  await hooks.beforeFence?.();
  let fencedAt = 0;
  let cutover = false;
  try {
    report('fencing');
    const last = await source.fenceWrites(target.location);
    fencedAt = Date.now();
    report('final-catch-up');
    const deadline = fencedAt + (options.settleTimeoutMs ?? 30_000);
    while (last !== null && (position === null || position < last)) {
      if ((await catchUp(changed)) > 0) continue;
      if (Date.now() > deadline)
        throw moveError('the source did not settle its last events in time: a long transaction holds them back');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // A saga started while the copy ran lives in the source's log, which does not move yet.
    const open = await source.sagas.list({ states: ['running', 'compensating'] });
    if (open.length > 0)
      throw moveError(`${open.length} saga(s) started during the move are open: let them end, then move again`);
    report('final-verify');
    const verified = await verifyAfterFence(source, target, specs, changed);
    report('moving-outbox');
    const tail = await copyOutboxTail(source, target, last);
    const { deadLetters } = await copyHomeRecords(source, target);
    await writeMarker(target, { from: source.location, state: 'done', at: Date.now() });
    await source.deleteState(OUTBOX_HOLD_KEY);
    cutover = true;
    await hooks.afterCutover?.();
    const writesPausedMs = Date.now() - fencedAt;
    report('done');
    return {
      from: source.location,
      to: target.location,
      rows,
      tombstones,
      events: progress.events,
      repairedBeforeCutover,
      verifiedAfterFence: verified.compared,
      repairedAfterFence: verified.repaired,
      outboxTail: tail.events,
      checkpoints: tail.checkpoints,
      deadLetters,
      writesPausedMs,
      totalMs: Date.now() - started,
    };
  } catch (err) {
    if (!cutover) {
      await source.liftFence().catch(() => undefined);
      await hooks.onAbort?.();
    }
    throw err;
  }
}

async function writeMarker(target: HomeStore, value: unknown): Promise<void> {
  const held = await target.readState(TARGET_MARKER_KEY);
  await target.writeState(TARGET_MARKER_KEY, value, held?.revision ?? null);
}

export function moveError(reason: string): PolystoreError {
  return new PolystoreError('PS_ERR_HOME_MOVE', `The home cannot be moved: ${reason}`, {
    fix: 'see the reason; the source keeps taking writes, and running the move again resumes into the same target',
  });
}
