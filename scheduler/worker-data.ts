/** What the main thread hands a shard worker at start (structured-cloned; SABs are shared). */
import type { MeshBuffers, MeshOptions } from './mesh.js';

export interface ShardWorkerData {
  readonly thread: number;
  /** The pid slot of this incarnation of the shard (a replaced worker gets a fresh slot). */
  readonly slot: number;
  readonly mesh: MeshBuffers;
  readonly meshOptions: MeshOptions;
  readonly registry: SharedArrayBuffer;
  readonly routes: SharedArrayBuffer;
  readonly marks: SharedArrayBuffer;
  readonly reply: SharedArrayBuffer;
  readonly mailboxCapacity?: number;
  readonly heartbeatMs: number;
  readonly turnsPerTick: number;
  readonly reductions: number;
  readonly quiet: boolean;
  /** Job names guests may start at this worker's start (later changes arrive as `jobNames`). */
  readonly jobNames: readonly string[];
}
