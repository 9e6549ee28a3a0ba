export type * from './card-reader.js';
export type * from './clock.js';
export type * from './driver-display.js';
export * from './errors.js';
export type * from './passenger-signal.js';
export type * from './stop-source.js';
