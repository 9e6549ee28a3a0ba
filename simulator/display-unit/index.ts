/** The display unit simulator as a library: protocol engine, renderer, serial attachment. */
export * from './attach.js';
export * from './render.js';
export * from './text-width.js';
export * from './unit.js';
