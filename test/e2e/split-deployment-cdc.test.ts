// The README's split deployment as real processes, with CDC (a logical replication slot) in the workers.
import { splitDeploymentSuite } from './split-deployment-scenario.js';

await splitDeploymentSuite('cdc');
