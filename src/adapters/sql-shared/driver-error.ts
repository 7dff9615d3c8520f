/**
 * Reads a string property of a driver error (`code`, `sqlState`, `column`,
 * ...), or undefined. Driver errors are untyped and may not be objects at all.
 */
export function stringProp(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const prop = (value as Record<string, unknown>)[key];
  return typeof prop === 'string' ? prop : undefined;
}
