import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { METRIC_FAMILIES } from '../../src/metrics/metric-families.js';
import { ALERTS_DIR, ruleMetricNames } from '../support/alert-rule-names.js';

const run = promisify(execFile);
const ALERTS = ALERTS_DIR;

async function promtoolVersion(): Promise<string | null> {
  try {
    return (await run('promtool', ['--version'])).stdout.split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

const version = await promtoolVersion();
if (version === null && !process.env.CI) {
  process.stdout.write(
    '[polystore tests] skipping the alert rule unit tests: promtool is not installed (apt-get install prometheus)\n',
  );
}

describe('alert rules', () => {
  it.skipIf(version === null && !process.env.CI)('pass their promtool unit tests', async () => {
    if (version === null) throw new Error('promtool is missing; CI requires it (apt-get install -y prometheus)');
    const checked = await run('promtool', ['check', 'rules', 'polystore.rules.yml'], { cwd: ALERTS });
    expect(checked.stdout).toContain('SUCCESS');
    const tested = await run('promtool', ['test', 'rules', 'polystore.rules.test.yml'], { cwd: ALERTS }).catch(
      (err: { stdout?: string; stderr?: string }) => {
        throw new Error(`promtool test rules failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      },
    );
    expect(tested.stdout).toContain('SUCCESS');
  });

  it('read only families Polystore exports', () => {
    const series = new Set(
      METRIC_FAMILIES.flatMap((f) =>
        f.type === 'histogram' ? [`${f.name}_bucket`, `${f.name}_count`, `${f.name}_sum`] : [f.name],
      ),
    );
    const names = ruleMetricNames();
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !series.has(name))).toEqual([]);
  });
});
