/**
 * A Wasm actor as a runtime process: a handler behaviour (`init`/`receive`/`terminate`) whose
 * callbacks call into the guest. One object per actor; it is also the actor's host-side state.
 */
import type { Context, ExitReason, HandlerBehaviour, Pid, TimerRef } from '../runtime/types.js';
import { SIGNAL_DOWN, SIGNAL_EXIT } from './abi.js';
import { POISON, type WasmInstance } from './instance.js';
import { drainLocal, giveBack, LocalBytes } from './local-bytes.js';
import { encodeOther, errorDetail, isDown, isExit, isRequest, toBytes } from './messages.js';
import type { WasmModule } from './module.js';

const encoder = new TextEncoder();

export interface PendingTimer {
  readonly ref: TimerRef;
  readonly due: number;
}

export class WasmActor implements HandlerBehaviour {
  readonly module: WasmModule;
  readonly inst: WasmInstance;
  slot = 0;
  pid: Pid = 0;
  /** Spawn arguments, dropped once `init` has passed them in. */
  args: Uint8Array | string | undefined;
  /** `wactor_init` ran: the guest knows this actor (so `wactor_stop` must run). */
  started = false;
  ended = false;
  /** `replyTo` of the message being handled (0: not a request). */
  replyTo: Pid = 0;
  /** Set by the `exit` import; applied once the current guest call returns. */
  exitReason: string | undefined = undefined;
  timers: Map<number, PendingTimer> | undefined = undefined;

  constructor(module: WasmModule, inst: WasmInstance, args: Uint8Array | string | undefined) {
    this.module = module;
    this.inst = inst;
    this.args = args;
  }

  init(ctx: Context): void {
    const inst = this.inst;
    if (inst.dead !== undefined) throw inst.poisonFor(this);
    this.started = true;
    const args = this.args;
    this.args = undefined;
    inst.init(this, ctx, args);
    if (this.exitReason !== undefined) this.#exitNow(ctx);
  }

  receive(msg: unknown, ctx: Context): void {
    const inst = this.inst;
    // The message hot path (a pooled message from a Wasm actor of this host, in a turn of its
    // own), written out here rather than in a WasmInstance method: one JS call less per hop.
    // Everything else is out of line in #receiveOther, so this stays small enough for V8 to
    // inline into the runtime's run loop. `replyTo` is already 0 (a request resets it when its
    // call returns or the actor crashes).
    if (
      msg instanceof LocalBytes &&
      inst.depth === 0 &&
      msg.len <= inst.inboxCap &&
      inst.dead === undefined
    ) {
      const len = msg.len;
      const prev = inst.enterTop(this, ctx);
      try {
        // Growth detached the views (their length reads 0): rebuild them before the copy. The
        // word view, not the byte view: a small message touches only it (see WasmInstance.i32).
        if (inst.inboxPtr + len > inst.i32.length * 4) inst.refresh();
        drainLocal(msg, inst, inst.inboxPtr);
        // Two identical calls on purpose: one call site per instance parity (see WasmInstance.site).
        if (inst.site === 0) inst.guestReceive(this.slot, len);
        else inst.guestReceive(this.slot, len);
        if (inst.collect !== undefined) inst.maybeCollect();
      } catch (err) {
        const trap = inst.fault(err, this);
        inst.leaveTop(prev);
        throw trap;
      }
      inst.leaveTop(prev);
    } else {
      this.#receiveOther(msg, ctx);
    }
    if (this.exitReason !== undefined) this.#exitNow(ctx);
  }

  /** Every other delivery: a nested or oversized pooled message, bytes, text, requests, notices. */
  #receiveOther(msg: unknown, ctx: Context): void {
    const inst = this.inst;
    if (inst.dead !== undefined) throw inst.poisonFor(this);
    if (msg instanceof LocalBytes) {
      // Nested in a call of this instance, or bigger than the inbox (rare): the general path.
      const bytes = msg.toBytes();
      giveBack(msg);
      inst.receive(this, ctx, bytes);
    } else if (msg instanceof Uint8Array) {
      this.replyTo = 0;
      inst.receive(this, ctx, msg);
    } else if (typeof msg === 'string') {
      this.replyTo = 0;
      inst.receive(this, ctx, encoder.encode(msg));
    } else if (msg !== null && typeof msg === 'object') {
      if (isRequest(msg)) {
        this.replyTo = msg.replyTo;
        inst.receive(this, ctx, toBytes(msg.data));
        this.replyTo = 0;
      } else if (isDown(msg)) {
        inst.signal(this, ctx, SIGNAL_DOWN, msg.pid, msg.ref, msg.reason, errorDetail(msg.error));
      } else if (isExit(msg)) {
        inst.signal(this, ctx, SIGNAL_EXIT, msg.from, 0, msg.reason, errorDetail(msg.error));
      } else {
        this.#other(msg, ctx);
      }
    } else if (msg !== POISON) {
      this.#other(msg, ctx);
    }
  }

  terminate(reason: ExitReason, _ctx: Context): void {
    this.module.host.ended(this, reason);
  }

  #other(msg: unknown, ctx: Context): void {
    const bytes = encodeOther(msg);
    if (bytes === undefined) {
      this.module.stats.undeliverable++;
      this.module.host.logger.warn(
        `wasm actor ${this.pid} (${this.module.name}) dropped a message msgpackr cannot encode`,
        { pid: this.pid },
      );
      return;
    }
    this.replyTo = 0;
    this.inst.receive(this, ctx, bytes);
  }

  #exitNow(ctx: Context): void {
    const reason = this.exitReason!;
    this.exitReason = undefined;
    ctx.exit(reason);
  }

  /** Cancel the timers this actor set (they belong to it). */
  cancelTimers(): void {
    const timers = this.timers;
    if (timers === undefined) return;
    for (const t of timers.values()) t.ref.cancel();
    this.timers = undefined;
  }
}
