import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { influxStore } from '../../src/adapters/influxdb/index.js';
import { analyticsView, createPolystore, defineEntity, silentLogger } from '../../src/index.js';
import { HOME_VARIANTS, openOnHome } from '../support/home-variants.js';
import { startInfluxdb } from '../support/private-influxdb.js';
import { describeWithBinary } from '../support/private-server.js';
import { uniqueName } from '../support/temp-dir.js';

const orders = defineEntity({
  name: 'orders',
  schema: z.object({ id: z.string(), region: z.string(), revenue: z.number(), placedAt: z.string() }),
});
const pglite = HOME_VARIANTS.find((variant) => variant.name === 'pglite')!;

describeWithBinary('influxd', 'orders projected into InfluxDB as points', () => {
  let influx: Awaited<ReturnType<typeof startInfluxdb>>;
  beforeAll(async () => {
    influx = await startInfluxdb();
  }, 60_000);
  afterAll(() => influx.stop());

  it('answers revenue per minute, follows updates and deletes, and checks clean against the home', async () => {
    const metrics = influxStore({
      url: influx.url,
      database: uniqueName('shop'),
      tables: { order_facts: { time: 'placed_at', tags: ['region'] } },
    });
    const { db, cleanup } = await openOnHome(pglite, (home) =>
      createPolystore({
        home,
        stores: { metrics },
        entities: [orders],
        views: [
          analyticsView(orders, {
            store: 'metrics',
            table: 'order_facts',
            columns: { region: 'varchar', revenue: 'double', placed_at: 'timestamp' },
            rows: (order) => [{ region: order.region, revenue: order.revenue, placed_at: order.placedAt }],
          }),
        ],
        sync: { pollIntervalMs: 10, flushIntervalMs: 50 },
        logger: silentLogger,
      }),
    );
    try {
      const minute = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
      const at = (minutes: number, seconds: number) =>
        new Date(minute + minutes * 60_000 + seconds * 1000).toISOString();
      const entity = db.entity('orders');
      await entity.create({ id: 'o1', region: 'eu', revenue: 40, placedAt: at(0, 1) });
      await entity.create({ id: 'o2', region: 'us', revenue: 12, placedAt: at(0, 59) });
      await entity.create({ id: 'o3', region: 'eu', revenue: 8, placedAt: at(2, 30) });
      await entity.create({ id: 'o4', region: 'eu', revenue: 100, placedAt: at(2, 31) });
      await entity.update('o2', { revenue: 20 });
      await entity.delete('o4');
      await db.sync.catchUp();

      const perMinute = await db
        .analytics('metrics')
        .query('SELECT sum(revenue) AS revenue FROM order_facts WHERE time > now() - 1h GROUP BY time(1m) fill(none)');
      const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');
      expect(perMinute).toEqual([
        { time: iso(minute), revenue: 60 },
        { time: iso(minute + 120_000), revenue: 8 },
      ]);
      const [check] = await db.check();
      expect(check).toMatchObject({ method: 'scan', checked: 3, missing: 0, stale: 0, extra: 0, ok: true });
    } finally {
      await cleanup();
    }
  });
});
