import { describeWithServer } from '../support/servers.js';
import { mariadbMode } from './model-modes.js';
import { modelProperty } from './model-property.js';

await describeWithServer(mariadbMode.servers, 'model-based: MariaDB, outbox relay to Redis Streams', () => {
  modelProperty(mariadbMode, { runs: 6, steps: 10 });
});
