/**
 * The newest entry of each id in `entries` (a copy may read an id twice, and
 * a restore statement takes each id once), in first-seen order.
 */
export function newestPerId<T extends { readonly id: string; readonly version: number }>(entries: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const entry of entries) {
    const seen = byId.get(entry.id);
    if (!seen || seen.version < entry.version) byId.set(entry.id, entry);
  }
  return [...byId.values()];
}
