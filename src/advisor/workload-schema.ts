// Loaded on demand by workload-loader.ts: zod is an optional peer, needed only to read workload files.
import { z } from 'zod';
import { FACTOR_IDS } from './factor-weights.js';
import { STORE_KINDS } from './store-kinds.js';
import type { PriceTable } from './tco.js';
import { FIELD_TYPES, type Workload } from './workload.js';

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,39}$/, 'use letters, digits and underscores (at most 40)');
const score = z.number().min(0).max(10);
const nonNegative = z.number().min(0);

const factors = z.strictObject(Object.fromEntries(FACTOR_IDS.map((id) => [id, score.optional()])));

const entity = z.strictObject({
  name,
  description: z.string().optional(),
  volumeGb: nonNegative.optional(),
  fields: z.record(name, z.enum(FIELD_TYPES)).optional(),
  references: z.record(name, name).optional(),
  ttlMinutes: z.number().positive().optional(),
  factors,
});

export const workloadSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    entities: z.array(entity).min(1),
    rules: z
      .strictObject({
        viewMargin: nonNegative.optional(),
        keyspaceMargin: nonNegative.optional(),
        maxStores: z.number().int().min(1).optional(),
      })
      .optional(),
    migration: z
      .strictObject({
        volumeGb: nonNegative,
        downtimeMinutes: nonNegative,
        partitioned: z.boolean(),
        readWriteRatio: nonNegative,
        changeCapture: z.boolean().optional(),
        dumpGbPerHour: z.number().positive().optional(),
        largeVolumeGb: nonNegative.optional(),
      })
      .optional(),
  })
  .superRefine((w, ctx) => {
    const names = w.entities.map((e) => e.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({ code: 'custom', path: ['entities', i, 'name'], message: 'repeated entity name' });
    });
    w.entities.forEach((e, i) => {
      for (const [field, target] of Object.entries(e.references ?? {})) {
        if (!names.includes(target))
          ctx.addIssue({
            code: 'custom',
            path: ['entities', i, 'references', field],
            message: 'names no entity of the workload',
          });
        if (e.fields && !(field in e.fields))
          ctx.addIssue({
            code: 'custom',
            path: ['entities', i, 'references', field],
            message: 'is not among the fields',
          });
      }
    });
  }) satisfies z.ZodType<Workload>;

export const priceSchema = z.strictObject({
  currency: z.string().min(1),
  note: z.string().optional(),
  opsPerStore: nonNegative,
  stores: z.partialRecord(z.enum(STORE_KINDS), z.strictObject({ storagePerGb: nonNegative, compute: nonNegative })),
}) satisfies z.ZodType<PriceTable>;
