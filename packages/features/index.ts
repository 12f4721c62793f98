export * from './vocabulary.js';
export * from './features.js';
