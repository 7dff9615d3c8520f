import { describe } from 'vitest';
import { embeddedMode } from './model-modes.js';
import { modelProperty } from './model-property.js';

const mode = embeddedMode();

describe('model-based: PGlite home, outbox log, embedded views', () => {
  modelProperty(mode, { runs: 8, steps: 10 });
});
