export { type S3ArchiveStoreOptions, s3ArchiveStore } from './s3-archive-store.js';
