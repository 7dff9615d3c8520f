import { PolystoreError } from '../errors/index.js';
import type { RebuildStep } from '../sync/rebuild/zero-downtime-rebuild.js';
import { backfillStep } from './backfill-command.js';
import type { AnyPolystore } from './load-config.js';
import { ProgressLine } from './progress-line.js';

/**
 * `polystore rebuild VIEW`: builds a new generation of the view beside the
 * active one, fills it from the home (with a progress display), catches it
 * up, checks it, switches reads to it and drops the old one. This process
 * runs the projectors meanwhile (the new generation must catch up). Exit 0
 * once reads are on the new generation.
 */
export async function rebuildCommand(db: AnyPolystore, view: string | undefined, json: boolean): Promise<number> {
  if (!view) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'rebuild needs the name of a view', {
      field: 'view',
      fix: `run polystore rebuild <view>, with one of ${db.views.map((v) => v.view.name).join(', ')}`,
    });
  }
  const progress = new ProgressLine(process.stdout, json);
  const say = (line: string, data: unknown) => process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${line}\n`);
  const onProgress = (step: RebuildStep) => {
    if (step.step === 'copying') {
      progress.update(backfillStep(`${view} copy`, step.record));
      return;
    }
    progress.end();
    const detail = 'generation' in step ? ` ${step.generation}` : '';
    say(`${view}: ${step.step}${detail}`, { step });
  };
  const outcome = await db.rebuild(view, onProgress);
  progress.end();
  say(
    `${view}: reads moved from generation ${outcome.from} to ${outcome.to} (${outcome.examined} copied, ${outcome.repaired} repaired)`,
    { rebuilt: outcome },
  );
  return 0;
}
