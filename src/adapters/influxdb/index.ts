export { influxStore } from './influx-analytics-store.js';
export type { InfluxLayout, InfluxStoreOptions } from './influx-options.js';
