export type { DeliveredEvent, EventPublisher } from '../../contracts/event-log.js';
export { type JetStreamLog, type JetStreamLogOptions, jetstreamLog } from './jetstream-log.js';
export type { NatsConnectionLike } from './nats-driver.js';
export { type NatsReplicasOptions, natsReplicas } from './nats-replicas.js';
