export type { ChangeEvent } from '../../contracts/change-event.js';
export type { EventPublisher } from '../../contracts/event-log.js';
export type { CdcSlotOptions, PostgresCdcRelayOptions } from './cdc-options.js';
export { type CdcSlotStatus, cdcSlotStatus, createCdcSlot, dropCdcSlot } from './cdc-slot.js';
export { type PostgresCdcOptions, postgresCdc } from './postgres-cdc-capture.js';
export { type CdcRelayStats, type PostgresCdcRelay, postgresCdcRelay } from './postgres-cdc-relay.js';
