export * from './statement.js';
export * from './events.js';
export * from './commands.js';
export * from './errors.js';
export * from './reference-ports.js';
