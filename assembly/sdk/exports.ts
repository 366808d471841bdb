// The guest exports of docs/abi.md. An actor module re-exports exactly these:
//   export * from "../sdk/exports";
import { Actor, createActor } from './actor';
import { Message } from './message';
import { decodeText } from './scratch';
import * as host from './wactor';

/** Per-actor state, indexed by the host's actor id (dense: the host reuses freed ids). */
const actors: (Actor | null)[] = [];
/** The inbox: the host copies each message / args / reason here before calling us. */
let inbox = new ArrayBuffer(256);
const message = new Message();

export function wactor_abi(): i32 {
  return 1;
}

export function wactor_inbox(minBytes: i32): i32 {
  if (minBytes > inbox.byteLength) {
    let size = inbox.byteLength << 1;
    if (size < minBytes) size = minBytes;
    inbox = new ArrayBuffer(size);
  }
  return <i32>changetype<usize>(inbox);
}

// `pid` is the actor's own pid: passing it saves an import call (`self`) per spawn.
export function wactor_init(actor: i32, argsLen: i32, pid: f64): void {
  const a = createActor();
  a.id = actor;
  a.pid = pid;
  while (actors.length <= actor) actors.push(null);
  unchecked((actors[actor] = a));
  a.init(view(argsLen));
}

export function wactor_receive(actor: i32, len: i32): void {
  lookup(actor).receive(view(len));
}

export function wactor_signal(
  actor: i32,
  kind: i32,
  from: f64,
  ref: f64,
  reasonLen: i32,
  detailLen: i32,
): void {
  const a = lookup(actor);
  const base = changetype<usize>(inbox);
  const reason = decodeText(base, reasonLen);
  const detail = decodeText(base + <usize>reasonLen, detailLen);
  if (kind == 1) a.onDown(from, ref, reason, detail);
  else a.onExit(from, reason, detail);
}

export function wactor_stop(actor: i32, reasonLen: i32): void {
  const a = lookup(actor);
  unchecked((actors[actor] = null));
  a.terminate(decodeText(changetype<usize>(inbox), reasonLen));
}

function lookup(actor: i32): Actor {
  if (<u32>actor >= <u32>actors.length) abort('unknown actor id');
  const a = unchecked(actors[actor]);
  if (a === null) abort('unknown actor id');
  return a!;
}

function view(len: i32): Message {
  message.ptr = changetype<usize>(inbox);
  message.length = len;
  return message;
}
