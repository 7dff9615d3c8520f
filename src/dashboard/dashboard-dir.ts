import { fileURLToPath } from 'node:url';

/**
 * The absolute path of the built dashboard (`npm run build:dashboard`, run by
 * `npm install` and `npm run build`): the folder an HTTP server serves at `/`.
 * Resolved from this module's own file, so it is the same from `src/` (under
 * tsx) and from `dist/`, both two levels below the package root.
 *
 * @example
 * import { DASHBOARD_DIR } from 'polystore';
 * const index = await readFile(join(DASHBOARD_DIR, 'index.html'), 'utf8');
 */
export const DASHBOARD_DIR: string = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));
