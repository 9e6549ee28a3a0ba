export * from './cli.js';
export * from './player.js';
