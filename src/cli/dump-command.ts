import type { AnyPolystore } from './load-config.js';

/**
 * `polystore export --out DIR` and `polystore import --in DIR`: the home's
 * entities as NDJSON files with versions and tombstones (see exportHome),
 * and back into the config's home. Exit 2 on misuse.
 */
export async function dumpCommand(
  db: AnyPolystore,
  command: 'export' | 'import',
  options: { dir: string | undefined; json: boolean },
): Promise<number> {
  if (!options.dir) {
    process.stderr.write(`polystore ${command}: pass ${command === 'export' ? '--out' : '--in'} DIR\n`);
    return 2;
  }
  const print = (human: string, data: unknown) =>
    process.stdout.write(options.json ? `${JSON.stringify(data)}\n` : `${human}\n`);
  if (command === 'export') {
    const manifest = await db.exportHome(options.dir);
    print(
      manifest.entities
        .map((e) => `${e.entity.padEnd(20)} ${e.rows} rows, ${e.tombstones} tombstones -> ${e.file}`)
        .join('\n'),
      manifest,
    );
    return 0;
  }
  const restored = await db.importHome(options.dir);
  print(
    [
      ...restored.map((e) => `${e.entity.padEnd(20)} ${e.rows} rows, ${e.tombstones} tombstones restored`),
      'views are not filled by an import: run `polystore backfill VIEW` for each (or `check --repair`)',
    ].join('\n'),
    restored,
  );
  return 0;
}
