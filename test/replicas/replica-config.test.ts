import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { natsReplicas } from '../../src/adapters/nats/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { createPolystore, isPolystoreError, PolystoreError, searchView } from '../../src/index.js';
import { planReplicas, replicaViewName } from '../../src/replicas/replica-plan.js';
import { decodeMessage, encodeMessage, errorReply, replyError } from '../../src/replicas/replica-protocol.js';
import { items } from '../support/items-entity.js';

const replicas = natsReplicas({ servers: 'nats://127.0.0.1:1', replica: 'r1', namespace: 'ns' });
const search = oramaStore({ path: '/nonexistent/search' });
const view = searchView(items, { store: 'search', fields: { name: 'string' }, searchable: ['name'] });

function codeOf(fn: () => unknown): { code?: string; field?: string } {
  try {
    fn();
  } catch (err) {
    if (isPolystoreError(err)) return { code: err.code, ...(err.field ? { field: err.field } : {}) };
    throw err;
  }
  return {};
}

describe('replicas configuration', () => {
  it('checks natsReplicas options, naming the option', () => {
    expect(codeOf(() => natsReplicas({} as never))).toEqual({
      code: 'PS_ERR_INVALID_CONFIG',
      field: 'replicas.servers',
    });
    expect(codeOf(() => natsReplicas({ servers: 'nats://x', replica: 'a b' }))).toEqual({
      code: 'PS_ERR_INVALID_CONFIG',
      field: 'replicas.replica',
    });
    expect(codeOf(() => natsReplicas({ servers: 'nats://x', namespace: 'a.b' }))).toEqual({
      code: 'PS_ERR_INVALID_CONFIG',
      field: 'replicas.namespace',
    });
    // The default name is this host's, made a valid one.
    expect(natsReplicas({ servers: 'nats://x' }).replica).toMatch(/^[A-Za-z0-9_]{1,40}$/);
  });

  it('refuses replicas on the home’s outbox log, where each would prune what the others have not read', () => {
    const err = codeOf(() =>
      createPolystore({ home: pgliteHome({}), stores: { search }, entities: [items], views: [view], replicas }),
    );
    expect(err).toEqual({ code: 'PS_ERR_INVALID_CONFIG', field: 'replicas' });
  });

  it('keeps embedded views as this replica’s where projectors run, and routes them elsewhere where none do', () => {
    const host = planReplicas(replicas, { search }, [view], true);
    expect([...host.hosted]).toEqual(['search']);
    expect(host.views.map((v) => v.name)).toEqual([replicaViewName(view.name, 'r1')]);
    expect(host.views[0]!.scope).toBe(view.scope);
    const remote = planReplicas(replicas, { search }, [view], false);
    expect([...remote.remote]).toEqual(['search']);
    expect(remote.views).toEqual([]);
    expect(remote.remoteViews.map((v) => v.name)).toEqual([view.name]);
    // Without replicas nothing changes.
    expect(planReplicas(undefined, { search }, [view], true).views).toEqual([view]);
    const long = { ...view, name: 'v'.repeat(60) };
    expect(codeOf(() => planReplicas(replicas, { search }, [long], true))).toEqual({
      code: 'PS_ERR_INVALID_CONFIG',
      field: 'replicas.replica',
    });
  });
});

describe('the replica wire format', () => {
  it('keeps every value a query row holds: JSON, bigints and dates', () => {
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
        fc.boolean(),
        fc.constant(null),
        fc.bigInt(),
        fc.date({ noInvalidDate: true }),
        fc.array(tie('any'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('any'), { maxKeys: 4 }),
      ),
    })).any;
    fc.assert(
      fc.property(value, (v) => {
        expect(decodeMessage(encodeMessage({ ok: v }))).toEqual({ ok: v });
      }),
    );
  });

  it('carries a coded error back with its code, fix and details, its fix said once', () => {
    const original = new PolystoreError('PS_ERR_CONSISTENCY_TIMEOUT', 'Views did not apply the write', {
      fix: 'raise `timeoutMs`',
      details: { behind: ['v'], timeoutMs: 5 },
    });
    const reply = decodeMessage<ReturnType<typeof errorReply>>(encodeMessage(errorReply(original, 'r1')));
    const again = replyError(reply.error);
    expect(again.code).toBe('PS_ERR_CONSISTENCY_TIMEOUT');
    expect(again.message).toBe(original.message);
    expect(again.details).toEqual(original.details);
    const plain = replyError(errorReply(new Error('boom'), 'r1').error);
    expect(plain.code).toBe('PS_ERR_STORE_QUERY');
  });
});
