import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, itemsConfigDir, runCli } from '../support/cli-runner.js';
import { until } from '../support/until.js';

const CONFIG = new URL('../fixtures/http.config.ts', import.meta.url).pathname;

describe('polystore keys create and polystore serve', () => {
  let dir: { path: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    dir = await itemsConfigDir();
  });
  afterAll(() => dir.cleanup());

  it('mints a key printed once with the entry to configure, then serves the config with it until SIGTERM', async () => {
    const minted = await runCli(CONFIG, ['keys', 'create', '--scopes', 'entity:items:write,admin:status', '--json']);
    expect(minted.code).toBe(0);
    const { key, entry } = JSON.parse(minted.stdout) as { key: string; entry: { id: string; hash: string } };
    expect(key).toMatch(/^psk_[0-9a-f]{12}_/);
    expect(entry.hash).toMatch(/^sha256:/);
    const human = await runCli(CONFIG, ['keys', 'create', '--scopes', 'metrics:read']);
    expect(human.stdout).toContain('shown once');
    expect((await runCli(CONFIG, ['keys', 'create'])).stderr).toContain('PS_ERR_INVALID_ARGUMENT');

    const child = spawn(process.execPath, [CLI_BIN, 'serve', '--config', CONFIG, '--port', '0'], {
      env: { ...process.env, POLYSTORE_TEST_DIR: dir.path, POLYSTORE_TEST_KEYS: JSON.stringify([entry]) },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await until(() => /serving (http:\/\/\S+)/.test(stderr), 30_000, 'the server to listen');
      const url = /serving (http:\/\/\S+)/.exec(stderr)![1]!;
      expect(stderr).toContain('1 API keys');
      expect((await fetch(`${url}/admin/status`)).status).toBe(401);
      const created = await fetch(`${url}/entities/items`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'i1', name: 'one', qty: 1, tags: [] }),
      });
      expect(created.status).toBe(201);
      const status = await fetch(`${url}/admin/status`, { headers: { authorization: `Bearer ${key}` } });
      expect(((await status.json()) as { topology: { home: unknown } }).topology.home).toEqual({
        kind: 'pglite',
        health: 'up',
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
