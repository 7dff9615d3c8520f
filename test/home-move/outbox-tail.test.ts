import { afterEach, describe, expect, it } from 'vitest';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { copyOutboxTail } from '../../src/home-move/home-cutover.js';

const homes: HomeStore[] = [];
afterEach(async () => {
  for (const home of homes.splice(0)) await home.close();
});

async function memoryHome(): Promise<HomeStore> {
  const home = pgliteHome({ dataDir: 'memory://' });
  homes.push(home);
  await home.ensureSchema([]);
  return home;
}

describe('moving the outbox tail', () => {
  it('copies the events after the oldest checkpoint and moves each checkpoint to the same event', async () => {
    const source = await memoryHome();
    const target = await memoryHome();
    const positions = [];
    for (let i = 1; i <= 10; i++) {
      positions.push(
        await source.transaction((tx) =>
          tx.appendOutbox({ entity: 'items', key: `k${i}`, version: 1, op: 'create', payload: { id: `k${i}` } }),
        ),
      );
    }
    await source.setCheckpoint('slow', positions[2]!);
    await source.setCheckpoint('fast', positions[6]!);
    await source.setCheckpoint('done', positions[9]!);
    const tail = await copyOutboxTail(source, target, positions[9]!);
    expect(tail).toEqual({ events: 7, checkpoints: 2 });
    const keys = async (after: string | null) => (await target.readOutbox(after, 100)).map((e) => e.key);
    // `slow` had handled none of the copied events: no checkpoint, it reads the new outbox from its start.
    expect(await target.getCheckpoint('slow')).toBeNull();
    expect(await keys(null)).toEqual(['k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10']);
    expect(await keys(await target.getCheckpoint('fast'))).toEqual(['k8', 'k9', 'k10']);
    expect(await keys(await target.getCheckpoint('done'))).toEqual([]);
    // Event ids travel unchanged (a broker that already holds one drops the copy as a duplicate).
    const [first] = await target.readOutbox(null, 1);
    expect(first?.eventId).toBe('items/k4@1');
  });

  it('copies nothing when no consumer keeps a checkpoint in the home', async () => {
    const source = await memoryHome();
    const target = await memoryHome();
    const last = await source.transaction((tx) =>
      tx.appendOutbox({ entity: 'items', key: 'k1', version: 1, op: 'create', payload: {} }),
    );
    expect(await copyOutboxTail(source, target, last)).toEqual({ events: 0, checkpoints: 0 });
  });
});
