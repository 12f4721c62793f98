export * from './vocabulary.js';
export * from './features.js';
export * from './location-levels.js';
