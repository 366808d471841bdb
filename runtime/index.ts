export * from './clock.js';
export * from './errors.js';
export * from './pid.js';
export type * from './types.js';
