import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanBrokerShop } from '../support/broker-shop.js';
import { runCli } from '../support/cli-runner.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

const CONFIG = new URL('../fixtures/broker.config.ts', import.meta.url).pathname;
const EMBEDDED = new URL('../fixtures/items.config.ts', import.meta.url).pathname;
const id = randomUUID().replaceAll('-', '').slice(0, 12);
const dir = await mkdtemp(join(tmpdir(), 'polystore-cli-cdc-'));

function cli(config: string, ...args: string[]) {
  return runCli(config, args, { POLYSTORE_TEST_ID: id, POLYSTORE_TEST_DIR: dir });
}

afterAll(async () => {
  await cleanBrokerShop(id, SERVER_URLS);
  await rm(dir, { recursive: true, force: true });
});

await describeWithServer(['postgres', 'redis', 'nats'], 'polystore cdc', () => {
  it('creates, shows and drops the slot only when asked', async () => {
    expect(await cli(CONFIG, 'cdc', 'status')).toMatchObject({ code: 0, stdout: 'no slot\n' });
    const created = await cli(CONFIG, 'cdc', 'create');
    expect(created).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^slot idle {3}confirmed \S+ {3}retained WAL \d+ bytes\n$/),
    });
    const status = await cli(CONFIG, 'status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ cdc: { exists: true, active: false } });
    await cli(CONFIG, 'cdc', 'create');
    expect(await cli(CONFIG, 'cdc', 'drop')).toMatchObject({ code: 0, stdout: 'no slot\n' });
    expect(JSON.parse((await cli(CONFIG, 'cdc', 'status', '--json')).stdout)).toMatchObject({ exists: false });
  }, 180_000);

  it('explains that a configuration without CDC has no slot to manage', async () => {
    const result = await cli(EMBEDDED, 'cdc', 'create');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no CDC capture');
  }, 60_000);
});
