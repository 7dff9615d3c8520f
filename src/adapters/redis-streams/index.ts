export type { DeliveredEvent, EventPublisher } from '../../contracts/event-log.js';
export type { RedisStreamsClientLike } from './redis-streams-driver.js';
export { type RedisStreamsLog, type RedisStreamsLogOptions, redisStreamsLog } from './redis-streams-log.js';
