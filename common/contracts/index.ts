export * from './ids.js';
export * from './topics.js';
export * from './readings.js';
export * from './birth.js';
export * from './status.js';
export * from './device-state.js';
export * from './ingest-owner.js';
