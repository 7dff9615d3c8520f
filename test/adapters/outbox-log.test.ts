import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { outboxEventLog } from '../../src/sync/outbox-event-log.js';
import { describeEventLogContract } from '../contracts/event-log-contract.js';
import { useSharedPglite } from '../support/pglite-template.js';
import { uniqueName } from '../support/temp-dir.js';

const sharedPglite = useSharedPglite();

// The embedded log: "publishing" is a home write, so the contract's events are
// appended to the outbox in one home transaction, as entity writes do.
describeEventLogContract(
  'outbox (pglite)',
  async () => {
    const pglite = await sharedPglite();
    const schema = uniqueName('log');
    const home = pgliteHome({ pglite, schema });
    await home.ensureSchema([]);
    return {
      log: outboxEventLog(home),
      publish: (events) =>
        home.transaction(async (tx) => {
          for (const event of events) await tx.appendOutbox(event);
        }),
      cleanup: async () => {
        await home.close();
        await pglite.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      },
    };
  },
  { deduplicates: false, sharesLoad: false },
);
