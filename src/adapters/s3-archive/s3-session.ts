import type { S3ArchiveStoreOptions } from './s3-archive-store.js';

/** The few parts of `@aws-sdk/client-s3` the archive uses (structural, so no version is tied). */
interface S3Sdk {
  S3Client: new (config: Record<string, unknown>) => { send(command: unknown): Promise<unknown>; destroy(): void };
  PutObjectCommand: new (input: { Bucket: string; Key: string; Body: string; ContentType: string }) => unknown;
  GetObjectCommand: new (input: { Bucket: string; Key: string }) => unknown;
  ListObjectsV2Command: new (input: { Bucket: string; Prefix: string; ContinuationToken?: string }) => unknown;
}

interface ListPage {
  readonly Contents?: readonly { readonly Key?: string }[];
  readonly IsTruncated?: boolean;
  readonly NextContinuationToken?: string;
}

/** One bucket's objects: put, get and list by prefix. */
export interface S3Session {
  put(key: string, body: string): Promise<void>;
  get(key: string): Promise<string>;
  /** Every key under `prefix`, in key order. */
  list(prefix: string): Promise<string[]>;
  destroy(): Promise<void>;
}

export function openS3(sdk: S3Sdk, options: S3ArchiveStoreOptions): S3Session {
  const client = new sdk.S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
  });
  const Bucket = options.bucket;
  return {
    async put(Key, Body) {
      await client.send(new sdk.PutObjectCommand({ Bucket, Key, Body, ContentType: 'application/x-ndjson' }));
    },
    async get(Key) {
      const out = (await client.send(new sdk.GetObjectCommand({ Bucket, Key }))) as {
        Body: { transformToString(): Promise<string> };
      };
      return out.Body.transformToString();
    },
    async list(Prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const input = token === undefined ? { Bucket, Prefix } : { Bucket, Prefix, ContinuationToken: token };
        const page = (await client.send(new sdk.ListObjectsV2Command(input))) as ListPage;
        for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return keys.sort();
    },
    async destroy() {
      client.destroy();
    },
  };
}
