import { PolystoreError } from '../errors/index.js';
import type { AnyPolystore } from './load-config.js';

export interface ReplayCommandOptions {
  readonly fromArchive: boolean;
  readonly until: string | undefined;
  readonly view: string | undefined;
  readonly scope: string | undefined;
  readonly json: boolean;
}

/**
 * `polystore replay --from-archive --until TIME --view NAME [--scope S]`:
 * builds the view as it was at TIME from its entity's archive, beside the
 * live view (in `<scope>_asof`, or `--scope`), which it never writes. Exit 0
 * once built.
 */
export async function replayCommand(db: AnyPolystore, options: ReplayCommandOptions): Promise<number> {
  const views = db.views.filter(({ view }) => view.kind !== 'archive').map(({ view }) => view.name);
  if (!options.fromArchive || !options.until || !options.view) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'replay needs --from-archive, --until and --view', {
      field: !options.view ? 'view' : 'until',
      fix: `run polystore replay --from-archive --until 2026-01-31T12:00:00Z --view <one of ${views.join(', ')}>`,
    });
  }
  const outcome = await db.replayFromArchive({
    view: options.view,
    until: options.until,
    ...(options.scope ? { into: { scope: options.scope } } : {}),
  });
  const human = `${outcome.view} as of ${outcome.until.toISOString()}: ${outcome.records} records from ${outcome.events} archived events, in scope ${outcome.scope}`;
  process.stdout.write(options.json ? `${JSON.stringify({ replayed: outcome })}\n` : `${human}\n`);
  return 0;
}
