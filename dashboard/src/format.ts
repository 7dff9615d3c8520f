/** Milliseconds as a short duration: `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 4 min`; `–` when unknown. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** A figure with thousands separators; `–` when unknown. */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en');
}

/** An epoch-ms or ISO time as local `HH:MM:SS` (with the date when not today). */
export function time(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return '–';
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '–';
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString('en-GB') : d.toLocaleString('en-GB');
}
