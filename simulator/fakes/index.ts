export * from './fake-card-reader.js';
export * from './fake-clock.js';
export * from './fake-display.js';
export * from './fake-stop-source.js';
