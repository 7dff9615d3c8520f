import { z } from 'zod';
import { defineEntity } from '../../src/index.js';

/** The small document entity the sync and CLI tests use. */
export const items = defineEntity({
  name: 'items',
  storage: 'document',
  schema: z.object({ id: z.string(), name: z.string(), qty: z.number().int(), tags: z.array(z.string()) }),
});
