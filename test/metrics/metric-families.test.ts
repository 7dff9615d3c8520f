import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRIC_FAMILIES } from '../../src/metrics/metric-families.js';

const DOC = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
const BUDGET = new Set([
  'view',
  'store',
  'entity',
  'operation',
  'code',
  'stage',
  'state',
  'slot',
  'wal_status',
  'route',
]);

describe('the metric families', () => {
  it('are each documented in docs/metrics.md with their type and labels', () => {
    for (const family of METRIC_FAMILIES) {
      const row = DOC.split('\n').find((line) => line.startsWith(`| \`${family.name}\` `));
      expect(row, family.name).toBeDefined();
      expect(row).toMatch(new RegExp(`\\|\\s*${family.type}\\s*\\|`));
      for (const label of family.labels) expect(row).toContain(`\`${label}\``);
    }
  });

  it('follow Prometheus naming and the label budget', () => {
    const names = METRIC_FAMILIES.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const family of METRIC_FAMILIES) {
      expect(family.name).toMatch(/^polystore_[a-z0-9_]+$/);
      expect(family.name.endsWith('_total'), family.name).toBe(family.type === 'counter');
      if (family.type === 'histogram') expect(family.name).toMatch(/_seconds$/);
      for (const label of family.labels) expect(BUDGET.has(label), `${family.name}{${label}}`).toBe(true);
    }
  });
});
