import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tempDir } from './temp-dir.js';

interface S3rverLike {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverLike;

export interface S3TestServer {
  readonly endpoint: string;
  readonly bucket: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver) on a free loopback port, storing in a
 * fresh temp dir, with one bucket.
 *
 * @example
 * const s3 = await startS3Server('events');
 * try { ... } finally { await s3.stop(); }
 */
export async function startS3Server(bucket: string): Promise<S3TestServer> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const dir = await tempDir('polystore-s3-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: dir.path,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    // s3rver's fixed development credentials.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    stop: async () => {
      await server.close();
      await dir.cleanup();
    },
  };
}
