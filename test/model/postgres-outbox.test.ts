import { describeWithServer } from '../support/servers.js';
import { postgresOutboxMode } from './model-modes.js';
import { modelProperty } from './model-property.js';

await describeWithServer(postgresOutboxMode.servers, 'model-based: PostgreSQL, outbox relay to JetStream', () => {
  modelProperty(postgresOutboxMode, { runs: 6, steps: 10 });
});
