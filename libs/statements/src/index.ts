export * from './event-codec.js';
export * from './statement-stream.js';
export * from './decide-batch.js';
export * from './writes.js';
export * from './execute-command.js';
export * from './story-codec.js';
export * from './story-commands.js';
