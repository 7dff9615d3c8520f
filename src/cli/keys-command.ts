import { PolystoreError } from '../errors/index.js';
import { mintApiKey } from '../http/api-keys.js';

/**
 * `polystore keys create --scopes a,b`: mints an API key, printing the key
 * once (it is stored nowhere) and the `{ id, hash, scopes }` entry to put in
 * the server's `keys`.
 */
export function keysCommand(action: string | undefined, scopes: string | undefined, json: boolean): number {
  if (action !== 'create')
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'keys takes the action create', {
      fix: 'polystore keys create --scopes entity:products:read,admin:status',
    });
  if (!scopes)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'keys create needs --scopes', {
      field: 'scopes',
      fix: 'pass --scopes entity:products:read,admin:status (comma-separated)',
    });
  const { key, entry } = mintApiKey(scopes.split(',').map((s) => s.trim()));
  process.stdout.write(
    json
      ? `${JSON.stringify({ key, entry })}\n`
      : `API key (shown once; give it to the client):\n  ${key}\n` +
          `Entry for the server's keys (the config module's serve export):\n  ${JSON.stringify(entry)}\n`,
  );
  return 0;
}
