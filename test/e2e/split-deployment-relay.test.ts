// The README's split deployment as real processes, with the outbox relay in the workers.
import { splitDeploymentSuite } from './split-deployment-scenario.js';

await splitDeploymentSuite('relay');
