import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ArchiveStore } from '../src/adapters/s3-archive/index.js';
import { archiveView, type ChangeEvent } from '../src/index.js';
import { startS3Server } from '../test/support/s3-server.js';
import { Cleanups } from './bench-env.js';
import { benchItems, makeItems } from './bench-model.js';
import { interleave, timed } from './harness.js';
import { createEvents } from './memory-event-log.js';
import { project } from './p11-projector.js';
import type { Profile } from './profile.js';
import { type Comparison, compare } from './report.js';

/**
 * P13: change events per second through the real projector into an archive
 * view on a local S3-compatible server (s3rver, started here in a temp dir),
 * against the SDK putting the same events as one NDJSON object per batch,
 * interleaved. Each round writes new events (new positions, new objects).
 */
export async function p13Archive(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const s3 = await startS3Server('p13-archive');
    cleanups.add('stop s3rver', () => s3.stop());
    const store = s3ArchiveStore({ ...s3, prefix: 'ours', forcePathStyle: true });
    cleanups.add('close archive store', () => store.close());
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      forcePathStyle: true,
    });
    cleanups.add('destroy s3 client', async () => client.destroy());
    await store.ready();
    const view = archiveView(benchItems, { store: 'archive' });
    const { events: count, batchSize } = profile.p13;
    const source = (side: string, round: number): ChangeEvent[] =>
      createEvents(benchItems.name, makeItems(`${side}${round + 100}_`, count), round + 100);
    const result = await interleave({
      warmupRounds: profile.warmupRounds,
      rounds: profile.rounds,
      budgetMs: profile.budgetMs,
      ours: (round) => {
        const events = source('o', round);
        return timed(count, () => project(view, store, events, batchSize));
      },
      raw: (round) => {
        const events = source('r', round);
        return timed(count, async () => {
          for (let i = 0; i < events.length; i += batchSize) {
            const batch = events.slice(i, i + batchSize);
            const Body = `${batch.map((e) => JSON.stringify(e)).join('\n')}\n`;
            const Key = `raw/${round}/${batch[0]!.position}-${batch.at(-1)!.position}.ndjson`;
            await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body }));
          }
        });
      },
    });
    return [
      compare(
        'P13.archive.s3rver',
        `archive view (S3, s3rver) vs PutObject of NDJSON batches: projector apply of ${count} events, batches of ${batchSize} (events/s)`,
        'throughput',
        result,
        null,
      ),
    ];
  } finally {
    await cleanups.run();
  }
}
