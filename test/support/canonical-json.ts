/**
 * JSON with object keys sorted (arrays keep their order), so two records with
 * the same content compare equal whatever order their keys were written in.
 *
 * @example
 * canonicalJson({ b: 1, a: [2, 1] }) === canonicalJson({ a: [2, 1], b: 1 }); // true
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
