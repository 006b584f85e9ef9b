export * from './log.js';
export * from './server.js';
