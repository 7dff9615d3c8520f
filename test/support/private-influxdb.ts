import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './private-redis.js';
import { PrivateServer } from './private-server.js';
import { tempDir } from './temp-dir.js';

/**
 * An InfluxDB 1.x of the test's own: data, meta and WAL in a fresh temp dir,
 * HTTP and RPC on free ports of 127.0.0.1, no reporting; `stop()` ends it and
 * removes the dir.
 *
 * @example
 * const influx = await startInfluxdb();
 * influxStore({ url: influx.url, database: 'test' });
 * await influx.stop();
 */
export async function startInfluxdb(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = await tempDir('polystore-influxdb-');
  const config = join(dir.path, 'influxdb.conf');
  await writeFile(config, '');
  const rpcPort = await freePort();
  const server = await PrivateServer.start('influxd', () => ['run', '-config', config], {
    env: async (port) => ({
      INFLUXDB_REPORTING_DISABLED: 'true',
      INFLUXDB_BIND_ADDRESS: `127.0.0.1:${rpcPort}`,
      INFLUXDB_HTTP_BIND_ADDRESS: `127.0.0.1:${port}`,
      INFLUXDB_HTTP_LOG_ENABLED: 'false',
      INFLUXDB_META_DIR: join(dir.path, 'meta'),
      INFLUXDB_DATA_DIR: join(dir.path, 'data'),
      INFLUXDB_DATA_WAL_DIR: join(dir.path, 'wal'),
      INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false',
      INFLUXDB_MONITOR_STORE_ENABLED: 'false',
      INFLUXDB_CONTINUOUS_QUERIES_ENABLED: 'false',
    }),
    ready: async (port) => (await fetch(`http://127.0.0.1:${port}/ping`).catch(() => null))?.status === 204,
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    stop: async () => {
      await server.stop();
      await dir.cleanup();
    },
  };
}
