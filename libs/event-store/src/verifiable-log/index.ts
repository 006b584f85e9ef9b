export * from './rfc9162.js';
export * from './tree-head.js';
export * from './formats.js';
export * from './tree-file.js';
export * from './verifiable-log.js';
