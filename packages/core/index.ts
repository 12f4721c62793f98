export * from './errors.js';
export * from './problem.js';
export * from './config.js';
export * from './http.js';
