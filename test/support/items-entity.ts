import { z } from 'zod';
import { cacheView, defineEntity } from '../../src/index.js';

/** The small document entity the sync and CLI tests use. */
export const items = defineEntity({
  name: 'items',
  storage: 'document',
  schema: z.object({ id: z.string(), name: z.string(), qty: z.number().int(), tags: z.array(z.string()) }),
});

/** A cache view of item names, named `items_names`, whose projection refuses items named "poison" (a dead letter). */
export function itemNamesView(store: string) {
  return cacheView(items, {
    store,
    name: 'items_names',
    select: (item) => {
      if (item.name === 'poison') throw new Error('cannot project');
      return { name: item.name };
    },
  });
}
