import { readFileSync } from 'node:fs';

/** Where the alert rules and their promtool tests live. */
export const ALERTS_DIR = new URL('../../alerts/', import.meta.url).pathname;

/** Every series name the alert rules read (histograms by their `_bucket` and `_count` series). */
export function ruleMetricNames(): string[] {
  const text = readFileSync(`${ALERTS_DIR}polystore.rules.yml`, 'utf8');
  return [...new Set(text.match(/\bpolystore_[a-z0-9_]+/g) ?? [])].sort();
}
