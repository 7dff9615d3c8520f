import type { MoveProgress } from '../home-move/move-home.js';
import { homeFromUrl } from './home-url.js';
import type { AnyPolystore } from './load-config.js';
import { ProgressLine, seconds } from './progress-line.js';

/**
 * `polystore migrate-home --to URL [--to-schema NAME] [--json]`: moves the
 * config's home to the one `--to` names while applications keep writing to
 * it (see `Polystore.moveHome`), printing each step on stderr. Processes
 * still writing to the old home get `PS_ERR_HOME_MOVED` naming the new one:
 * restart them with it. Exit 1 when the move is refused or fails (the old
 * home then takes writes again), 2 on misuse.
 */
export async function migrateHomeCommand(
  db: AnyPolystore,
  options: { to: string | undefined; toSchema: string | undefined; json: boolean },
): Promise<number> {
  if (!options.to) {
    process.stderr.write(
      'polystore migrate-home: pass --to with the new home (postgres://..., mysql://..., pglite:DIR)\n',
    );
    return 2;
  }
  const target = homeFromUrl(options.to, options.toSchema);
  // The copy as a progress bar (records/s, ETA against the live records counted now; plain lines off a
  // terminal); the other steps a line each, and at most one a second within a step.
  const entities = (await db.schemaStatus()).map((s) => s.entity);
  const total = (await Promise.all(entities.map((name) => db.entity(name).count()))).reduce((a, b) => a + b, 0);
  const bar = new ProgressLine(process.stderr, false);
  const started = Date.now();
  let shown = { step: '', at: 0 };
  const onProgress = (p: MoveProgress) => {
    if (p.step === 'copying') {
      const label = `copying${p.entity ? ` ${p.entity}` : ''}`;
      bar.update({ label, done: p.copied, total, elapsedMs: Date.now() - started });
      return;
    }
    bar.end(); // a bar drawn in place ends with its line
    const now = Date.now();
    if (p.step === shown.step && now - shown.at < 1000) return;
    shown = { step: p.step, at: now };
    process.stderr.write(`${p.step}${p.entity ? ` ${p.entity}` : ''}: ${p.copied} copied, ${p.events} events\n`);
  };
  try {
    const outcome = await db.moveHome(target, { onProgress });
    const human = [
      `moved ${outcome.from} -> ${outcome.to}`,
      `  ${outcome.rows} rows, ${outcome.tombstones} tombstones, ${outcome.events} events caught up`,
      `  writes paused ${outcome.writesPausedMs} ms; ${outcome.outboxTail} outbox events and ${outcome.checkpoints} checkpoints moved`,
      `  took ${seconds(outcome.totalMs)}; restart every process with the new home`,
    ].join('\n');
    process.stdout.write(options.json ? `${JSON.stringify(outcome)}\n` : `${human}\n`);
    return 0;
  } catch (err) {
    // Not switched to: the target is this command's to close (after a move the application holds it).
    await target.close().catch(() => undefined);
    throw err;
  }
}
