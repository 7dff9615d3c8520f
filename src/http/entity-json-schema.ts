import type { StandardSchemaV1 } from '../model/standard-schema.js';

export type JsonSchema = Record<string, unknown>;

interface ZodJsonSchemaOptions {
  readonly io: 'input' | 'output';
  readonly unrepresentable: 'any';
  readonly override: (ctx: { zodSchema: unknown; jsonSchema: JsonSchema }) => void;
}

type ZodLike = { toJSONSchema(options: ZodJsonSchemaOptions): JsonSchema };
type StandardJsonLike = {
  '~standard': { jsonSchema?: { input(o: { target: string }): JsonSchema; output(o: { target: string }): JsonSchema } };
};

/**
 * The JSON Schema (draft 2020-12) of what an entity's records look like on
 * the wire, in or out: a zod 4 schema through its own `toJSONSchema`, with
 * dates as `date-time` strings and bigints as decimal strings (the JSON form
 * records travel in); another Standard Schema through its Standard JSON
 * Schema converter when it has one; otherwise a permissive object that says
 * so. `$defs` references are rebased to `base` (the component's pointer).
 */
export function wireJsonSchema(schema: StandardSchemaV1, io: 'input' | 'output', base: string): JsonSchema {
  let out: JsonSchema | null = null;
  if (typeof (schema as Partial<ZodLike>).toJSONSchema === 'function') {
    out = (schema as unknown as ZodLike).toJSONSchema({ io, unrepresentable: 'any', override: jsonForm });
  } else {
    const converter = (schema as unknown as StandardJsonLike)['~standard'].jsonSchema;
    if (converter) out = converter[io]({ target: 'draft-2020-12' });
  }
  if (!out) {
    const vendor = (schema as { '~standard'?: { vendor?: string } })['~standard']?.vendor ?? 'unknown';
    return {
      type: 'object',
      description: `Described permissively: the ${vendor} schema gives no JSON Schema (a zod 4 schema does)`,
    };
  }
  const { $schema: _dialect, ...rest } = out;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', `"${base}/$defs/`)) as JsonSchema;
}

/** Dates and bigints as their JSON form carries them. */
function jsonForm(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const type = (ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def?.type;
  if (type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
  if (type === 'bigint') Object.assign(ctx.jsonSchema, { type: 'string', pattern: '^-?[0-9]+$' });
}

/** A record schema as reads return it: the output schema with `$version`. */
export function withVersion(schema: JsonSchema): JsonSchema {
  const version = { type: 'integer', minimum: 1 };
  if (schema.type !== 'object' || typeof schema.properties !== 'object')
    return { allOf: [schema, { type: 'object', properties: { $version: version }, required: ['$version'] }] };
  const required = Array.isArray(schema.required) ? schema.required : [];
  return {
    ...schema,
    properties: { ...(schema.properties as JsonSchema), $version: version },
    required: [...required, '$version'],
  };
}

/** A patch schema: the input schema with no field required. */
export function asPatch(schema: JsonSchema): JsonSchema {
  const { required: _required, ...rest } = schema;
  return rest;
}
