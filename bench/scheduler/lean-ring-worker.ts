/**
 * The worker of the lean ring ping-pong (see lean-ring.ts): one thread of a pair joined by two of
 * our SPSC rings (`RingProducer`/`RingConsumer`) and two `Doorbell`s, with nothing else on the path
 * — no Mesh, no ShardNode routing, no Runtime mailbox, no Wasm host. Each message is a pid record
 * written with `trySendPid` whose 12-byte body is `[sender pid f64][seq u32]`, like the Wasm `ping`
 * guest's; the consumer hands every record over as a fresh `Uint8Array` copy (as the scheduler's
 * does). `pong` sends each message straight back to the pid in its first 8 bytes; `ping` keeps
 * `inflight` messages bouncing until `rounds` replies came back, then posts the number of replies it has received so far (all
 * batches).
 *
 * Loads as compiled JS (dist/bench/scheduler/lean-ring-worker.js).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Doorbell, type SleepOptions } from '../../scheduler/doorbell.js';
import { RingConsumer, RingProducer } from '../../scheduler/ring.js';

export interface LeanRingWorkerData {
  readonly role: 'ping' | 'pong';
  /** The ring this thread reads. */
  readonly inbound: SharedArrayBuffer;
  /** The ring this thread writes. */
  readonly outbound: SharedArrayBuffer;
  readonly bells: SharedArrayBuffer;
  readonly sleep: SleepOptions;
}

/** The pids the two ends address each other by (any distinct numbers: nothing routes on them). */
export const PING_PID = 1;
export const PONG_PID = 2;
/**
 * Publish (and ring the peer) after this many writes even mid-batch, as the scheduler's Mesh does
 * (`publishEvery`, default 64): the peer starts on the first replies while we write the rest, so
 * the two threads overlap instead of taking turns with whole batches.
 */
const PUBLISH_EVERY = 64;
/** Loop passes without sleeping before one event-loop turn (commands, termination notices). */
const PASSES_PER_TURN = 1024;

const data = workerData as LeanRingWorkerData;
const port = parentPort;
if (port === null) throw new Error('lean-ring-worker must run in a worker thread');
const rx = new RingConsumer(data.inbound);
const tx = new RingProducer(data.outbound);
const mine = new Doorbell(data.bells, data.role === 'ping' ? 0 : 1);
const theirs = new Doorbell(data.bells, data.role === 'ping' ? 1 : 0);
const ignore = (): void => {};
/** Scratch for reading the sender pid (f64) out of a message body. */
const pidF64 = new Float64Array(1);
const pidBytes = new Uint8Array(pidF64.buffer);

// Ping state.
const buf = new Uint8Array(12);
new DataView(buf.buffer).setFloat64(0, PING_PID, true);
const bufView = new DataView(buf.buffer);
let remaining = 0;
let outstanding = 0;
/** Sends that found the ring full (never with the default ring and 256 in flight; kept correct). */
let pendingPing = 0;
let unpublished = 0;
const pendingPong: Array<[number, Uint8Array]> = [];

/** After each write: publish early every PUBLISH_EVERY writes (the loop publishes the rest). */
function wrote(): void {
  if (++unpublished >= PUBLISH_EVERY) publish();
}

function publish(): void {
  unpublished = 0;
  if (tx.publish()) theirs.ring();
}

function bounce(seq: number): void {
  outstanding++;
  bufView.setUint32(8, seq, true);
  if (pendingPing > 0 || !tx.trySendPid(PONG_PID, buf)) pendingPing++;
  else wrote();
}

const onPid =
  data.role === 'pong'
    ? (_pid: number, body: Uint8Array): void => {
        for (let i = 0; i < 8; i++) pidBytes[i] = body[i] as number;
        const to = pidF64[0] as number;
        if (pendingPong.length > 0 || !tx.trySendPid(to, body)) pendingPong.push([to, body]);
        else wrote();
      }
    : (): void => {
        outstanding--;
        remaining--;
        if (remaining === 0) port.postMessage(rx.received);
        else if (outstanding < remaining) bounce(remaining);
      };

function retryPending(): void {
  while (pendingPing > 0) {
    bufView.setUint32(8, pendingPing, true);
    if (!tx.trySendPid(PONG_PID, buf)) return;
    pendingPing--;
  }
  while (pendingPong.length > 0) {
    const [to, body] = pendingPong[0] as [number, Uint8Array];
    if (!tx.trySendPid(to, body)) return;
    pendingPong.shift();
  }
}

const hasWork = (): boolean => rx.hasData() || pendingPing > 0 || pendingPong.length > 0;

// The shard loop in miniature: read a batch, answer in place (publishing every PUBLISH_EVERY
// writes), publish the rest, ring the peer (a notify only when it sleeps), and sleep with the same spin and idle wait as the shards.
const loop = (): void => {
  let passes = 0;
  do {
    const { spaceFreed } = rx.read(ignore, 4096, 0, onPid);
    // The peer raised wantSpace: never here (trySendPid does not queue), but honour the protocol.
    if (spaceFreed) theirs.ring();
    retryPending();
    publish();
    if (++passes >= PASSES_PER_TURN) {
      setImmediate(loop);
      return;
    }
  } while (mine.sleep(hasWork, loop, data.sleep));
};

port.on('message', (cmd: { rounds: number; inflight: number }) => {
  remaining = cmd.rounds;
  outstanding = 0;
  for (let i = 0; i < cmd.inflight && outstanding < remaining; i++) bounce(i);
  publish();
});
loop();
