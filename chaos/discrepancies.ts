/** What one comparison found wrong, counted, with a few samples for the report. */
export interface Discrepancies {
  /** Live in the home, absent from the view (or a tombstone there); or an acknowledged write the home lost. */
  lost: number;
  /** Another version or other content than the expected one, or live where it must be deleted. */
  divergent: number;
  readonly samples: string[];
}

export function discrepancies(): Discrepancies {
  return { lost: 0, divergent: 0, samples: [] };
}

export function note(out: Discrepancies, kind: 'lost' | 'divergent', what: string): void {
  out[kind]++;
  if (out.samples.length < 10) out.samples.push(what);
}

/** JSON with sorted keys, so equal records compare equal whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
