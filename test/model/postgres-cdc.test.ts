import { describeWithServer } from '../support/servers.js';
import { postgresCdcMode } from './model-modes.js';
import { modelProperty } from './model-property.js';

await describeWithServer(postgresCdcMode.servers, 'model-based: PostgreSQL, CDC to JetStream', () => {
  modelProperty(postgresCdcMode, { runs: 6, steps: 10 });
});
