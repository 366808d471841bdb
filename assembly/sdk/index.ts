// The wactor guest SDK: import what an actor needs from here, and re-export the ABI with
//   export * from "../sdk/exports";
// (see docs/guests.md).
export { Actor, defineActor } from './actor';
export * from './api';
export * from './codes';
export { JobResult, runJob } from './jobs';
export { Message } from './message';
export * from './text';
