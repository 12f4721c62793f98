export * from './casa-function.js';
export * from './gateway.js';
export * from './serve.js';
