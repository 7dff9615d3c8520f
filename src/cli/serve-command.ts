import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PolystoreError } from '../errors/index.js';
import type { ServeOptions } from '../http/serve-options.js';
import type { AnyPolystore } from './load-config.js';

export interface ServeCommandOptions {
  readonly config: string;
  readonly port: string | undefined;
  readonly host: string | undefined;
}

/**
 * `polystore serve`: the HTTP API of the config's Polystore (entity and
 * admin routes, `/openapi.json`) until SIGINT/SIGTERM. The config module's
 * named export `serve` (an object, or a function returning one) gives the
 * server options (`keys`, `renderMetrics`, `dashboardDir`, ...); `--port`
 * (default 8080) and `--host` (default 127.0.0.1) override its own.
 */
export async function serveCommand(db: AnyPolystore, options: ServeCommandOptions): Promise<number> {
  const configured = await serveExport(options.config);
  const port = options.port === undefined ? (configured.port ?? 8080) : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', '--port must be a port number', {
      field: 'port',
      fix: 'pass --port 8080',
    });
  const server = await db.serve({ ...configured, port, ...(options.host ? { host: options.host } : {}) });
  const keys = configured.keys?.length ?? 0;
  process.stderr.write(
    `polystore serving ${server.url} (${keys === 0 ? 'no API keys: loopback only' : `${keys} API keys`}); Ctrl-C to stop\n`,
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  return 0;
}

/** The config module's `serve` export (the module is already loaded: the import is cached). */
async function serveExport(path: string): Promise<ServeOptions> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { serve?: unknown };
  const exported = typeof mod.serve === 'function' ? await (mod.serve as () => unknown)() : mod.serve;
  if (exported === undefined) return {};
  if (typeof exported !== 'object' || exported === null)
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The config module ${path} exports a serve that is not an object`,
      {
        field: 'serve',
        fix: 'export const serve = { keys: [...] } (or a function returning it)',
      },
    );
  return exported as ServeOptions;
}
