import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cleanups, tempDir } from './bench-env.js';
import type { Profile } from './profile.js';
import type { ScaleRun, Target } from './report.js';

const run = promisify(execFile);
const DEMO = new URL('../examples/ecommerce/main.ts', import.meta.url).pathname;
/** Every view has handled the load within 5 s of its last write. */
const TARGET: Target = { op: '<=', value: 5_000 };

/** The part of the demo's JSON report this workload reads: the run's own figures. */
type DemoScale = Pick<ScaleRun, 'writes' | 'wallMs' | 'seedMs' | 'catchUpMs' | 'peakRssMb' | 'views'>;

/**
 * S10: the e-commerce demo's whole job (seed through the home while the
 * projectors run, wait until every view caught up, read) on embedded stores,
 * at `profile.s10.scale` times the default data set, in a process of its own
 * so its peak RSS is its own. Reports the time from the last write until
 * every view had handled it.
 */
export async function s10Scale(profile: Profile): Promise<ScaleRun[]> {
  const { scale } = profile.s10;
  const cleanups = new Cleanups();
  try {
    const dir = await tempDir(cleanups, 's10');
    // Embedded stores only: no server URL reaches the demo.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('POLYSTORE_')));
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', DEMO, '--scale', String(scale), '--json', '--data-dir', dir],
      { env, maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 },
    );
    const { writes, wallMs, seedMs, catchUpMs, peakRssMb, views } = (JSON.parse(stdout) as { scale: DemoScale }).scale;
    return [
      {
        id: `S10.scale${scale}`,
        title: `e-commerce demo at scale ${scale}${scale === 10 ? '' : ' (not 10: quick run)'}, embedded stores: catch-up after the last write`,
        kind: 'scale',
        scale,
        writes,
        wallMs,
        seedMs,
        catchUpMs,
        peakRssMb,
        views,
        target: TARGET,
        met: catchUpMs <= TARGET.value,
      },
    ];
  } finally {
    await cleanups.run();
  }
}
