export type { PGliteLike } from './pglite-connection.js';
export { type PgliteHomeOptions, pgliteHome } from './pglite-home-store.js';
