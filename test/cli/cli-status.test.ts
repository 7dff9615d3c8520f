import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import configure from '../fixtures/status.config.js';
import { CLI_BIN, runCli } from '../support/cli-runner.js';
import { deleteRedisKeys, dropPostgresSchema } from '../support/server-cleanup.js';
import { describeWithServer } from '../support/servers.js';
import { uniqueName } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const CONFIG = new URL('../fixtures/status.config.ts', import.meta.url).pathname;

await describeWithServer(['postgres', 'redis'], 'polystore status beside a running worker', () => {
  const env = { POLYSTORE_TEST_SCHEMA: uniqueName('status'), POLYSTORE_TEST_PREFIX: `${uniqueName('status')}:` };
  const cli = (...args: string[]) => runCli(CONFIG, args, env);
  let worker: ChildProcess;
  let writer: ReturnType<typeof configure>;

  beforeAll(async () => {
    Object.assign(process.env, env);
    // The writer: this process writes and reads; only the worker process projects.
    writer = configure();
    await writer.ready({ sync: false });
    worker = spawn(process.execPath, [CLI_BIN, 'worker', '--config', CONFIG], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    worker.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await until(() => stderr.includes('polystore worker running'), 60_000, 'the worker to start');
  }, 90_000);
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    await writer?.close();
    await dropPostgresSchema(env.POLYSTORE_TEST_SCHEMA);
    await deleteRedisKeys(env.POLYSTORE_TEST_PREFIX);
  });

  it('reports what the worker applied, with lag percentiles, and exits 0 while healthy', async () => {
    for (let i = 1; i <= 3; i++)
      await writer.entity('items').create({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] });
    await writer.sync.catchUp(30_000);
    // The worker saves its counters every 200 ms.
    let report: { healthy: boolean; views: Record<string, unknown>[] } | undefined;
    await until(
      async () => {
        const result = await cli('status', '--json');
        expect(result.code).toBe(0);
        report = JSON.parse(result.stdout);
        return report!.views.every((v) => v.applied === 3);
      },
      10_000,
      'status to report 3 applied events per view',
    );
    expect(report!.healthy).toBe(true);
    const view = report!.views.find((v) => v.view === 'items_cache')!;
    expect(view).toMatchObject({ state: 'up-to-date', applied: 3, backlog: 0, lagMs: 0, healthy: true });
    expect(view.lagP50Ms).toEqual(expect.any(Number));
    expect(view.lagP99Ms as number).toBeGreaterThanOrEqual(view.lagP50Ms as number);
    expect(view.checkpointAgeMs).toEqual(expect.any(Number));
    expect(view.through).toEqual(expect.any(String));

    const human = await cli('status');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /items_cache +up-to-date +backlog 0 +lag 0 ms +\(p50 .*, p99 .*\) applied 3 through \S+/,
    );
    expect(human.stdout).toContain('stuck sagas: 0');
  });

  it('exits 1 with the reason when a view holds dead letters, and --watch prints a block a second until stopped', async () => {
    await writer.entity('items').create({ id: 'bad', name: 'poison', qty: 0, tags: [] });
    await writer.sync.catchUp(30_000);
    const result = await cli('status');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/items_names .*UNHEALTHY: 1 dead letters/);
    expect(result.stdout).not.toMatch(/items_cache .*UNHEALTHY/);
    // A check shows its progress on stderr (plain lines off a terminal); stdout keeps the results.
    const check = await cli('check');
    expect(check.stderr).toMatch(/^check: 8\/8 \(100%\) \d+ records\/s$/m);
    expect(check.stdout).toMatch(/^items_names .*missing 1 /m);

    const watch = spawn(process.execPath, [CLI_BIN, 'status', '--watch', '--config', CONFIG], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    watch.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    await until(() => (stdout.match(/^-- /gm) ?? []).length >= 2, 20_000, 'two refreshes');
    watch.kill('SIGINT');
    const [code] = await once(watch, 'exit');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^-- \d{4}-\d\d-\d\dT\S+ UNHEALTHY$/m);
    expect(stdout).toContain('items_cache');
  });

  it('exits 3 when the home cannot be reached', async () => {
    const down = await runCli(CONFIG, ['status'], {
      ...env,
      POLYSTORE_STATUS_HOME_URL: 'postgres://app:s3cret@127.0.0.1:1/test',
    });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('PS_ERR_STORE_UNAVAILABLE');
    expect(down.stderr).not.toContain('s3cret');
  });
});
