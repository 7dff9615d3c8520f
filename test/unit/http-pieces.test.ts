import { describe, expect, it } from 'vitest';
import { ApiKeys, grants, mintApiKey } from '../../src/http/api-keys.js';
import { errorSignature } from '../../src/http/dead-letter-groups.js';
import { OpenApiValidator } from '../support/http-client.js';

describe('API keys', () => {
  it('verifies a minted key by its hash and refuses others', () => {
    const minted = mintApiKey(['entity:products:read']);
    expect(minted.entry.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(minted.entry)).not.toContain(minted.key.slice(18));
    const keys = new ApiKeys([minted.entry]);
    expect(keys.verify(minted.key)).toEqual(minted.entry);
    expect(keys.verify(mintApiKey(['entity:products:read']).key)).toBeNull();
    expect(keys.verify(`${minted.key}x`)).toBeNull();
    expect(keys.verify('')).toBeNull();
  });

  it('refuses malformed entries and scopes at configuration', () => {
    const { entry } = mintApiKey(['admin:status']);
    expect(() => new ApiKeys([{ ...entry, hash: 'plain' }])).toThrow(
      expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }),
    );
    expect(() => new ApiKeys([entry, entry])).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
    expect(() => mintApiKey([])).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
    expect(() => mintApiKey(['admin status'])).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
  });

  it('grants scopes segment by segment, a trailing * covering the rest', () => {
    expect(grants(['entity:products:read'], 'entity:products:read')).toBe(true);
    expect(grants(['entity:products:read'], 'entity:products:write')).toBe(false);
    expect(grants(['entity:*:read'], 'entity:orders:read')).toBe(true);
    expect(grants(['entity:*:read'], 'entity:orders:write')).toBe(false);
    expect(grants(['admin:*'], 'admin:sagas')).toBe(true);
    expect(grants(['entity:*'], 'entity:orders:write')).toBe(true);
    expect(grants(['admin'], 'admin:sagas')).toBe(false);
    expect(grants(['admin:status'], 'metrics:read')).toBe(false);
  });
});

describe('dead letter signatures', () => {
  it('normalises quoted values, ids and numbers away, keeping the words', () => {
    const a = errorSignature('PS_ERR_STORE_QUERY: cannot project product "p-17" (rule 17) at 3.5');
    const b = errorSignature("PS_ERR_STORE_QUERY: cannot project product 'other id' (rule 4)  at 12");
    expect(a).toBe('PS_ERR_STORE_QUERY: cannot project product <value> (rule <n>) at <n>');
    expect(b).toBe(a);
    expect(errorSignature('lost 0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('lost <id>');
    expect(errorSignature('timeout')).not.toBe(errorSignature('refused'));
  });
});

describe('the OpenAPI response validator the HTTP tests use', () => {
  const doc = {
    paths: {
      '/things/{id}': {
        get: {
          responses: {
            '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
            default: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          },
        },
      },
    },
    components: {
      schemas: {
        Thing: { type: 'object', properties: { at: { type: 'string', format: 'date-time' } }, required: ['at'] },
        Error: { type: 'object', required: ['error'] },
      },
    },
  };

  it('accepts a matching body and rejects a wrong one, an undocumented status or path', () => {
    const validator = new OpenApiValidator(doc);
    validator.check('GET', '/things/1', 200, 'application/json', { at: '2026-01-01T00:00:00Z' });
    expect(() => validator.check('GET', '/things/1', 200, 'application/json', { at: 'yesterday' })).toThrow(
      /date-time/,
    );
    expect(() => validator.check('GET', '/things/1', 200, 'application/json', {})).toThrow(/at/);
    expect(() => validator.check('GET', '/things/1', 500, 'application/json', { nope: 1 })).toThrow(/error/);
    expect(() => validator.check('GET', '/things/1', 200, 'text/plain', 'x')).toThrow(/text\/plain/);
    expect(() => validator.check('POST', '/things/1', 200, 'application/json', {})).toThrow(/no POST/);
  });
});
