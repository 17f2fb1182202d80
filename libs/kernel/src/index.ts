export * from './clock/clock.js';
export * from './store/event-envelope.js';
export * from './store/event-store.port.js';
export * from './store/in-memory-event-store.js';
export * from './bus/message-bus.js';
export * from './cache/cache.js';
