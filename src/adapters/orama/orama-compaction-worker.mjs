// Worker thread entry: folds an index's journals into a new base snapshot off
// the main thread (parsing, loading and saving an Orama index costs tens to
// hundreds of milliseconds of CPU). Posts `{ ok: true }` or `{ ok: false, reason, message }`.
import { parentPort, workerData } from 'node:worker_threads';
import { compact } from './orama-journal.mjs';

try {
  const orama = await import('@orama/orama');
  await compact(orama, workerData);
  parentPort.postMessage({ ok: true });
} catch (err) {
  parentPort.postMessage({
    ok: false,
    reason: err?.reason ?? 'io',
    message: err instanceof Error ? err.message : String(err),
    cause: err?.cause instanceof Error ? err.cause.message : undefined,
  });
}
