import { aLen, encodeA } from './scratch';
import * as host from './wactor';

/**
 * The message (or spawn arguments) being handled: a view of the inbox, valid only during the
 * current call. Reading it allocates nothing; `text()` and `bytes()` copy.
 *
 * @example
 * receive(msg: Message): void {
 *   if (msg.is("ping")) msg.replyText("pong");
 * }
 */
export class Message {
  /** Address of the first byte in linear memory. */
  ptr: usize = 0;
  /** Length in bytes. */
  length: i32 = 0;

  /** The bytes decoded as UTF-8. */
  text(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.length);
  }

  /** A copy of the bytes. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    memory.copy(out.dataStart, this.ptr, <usize>this.length);
    return out;
  }

  /** The byte at `index` (bounds-checked: an index outside the message aborts). */
  u8(index: i32): u8 {
    if (<u32>index >= <u32>this.length) abort('Message.u8: index out of range');
    return load<u8>(this.ptr + <usize>index);
  }

  /** A little-endian u32 at byte `offset`. */
  u32At(offset: i32): u32 {
    if (offset < 0 || offset + 4 > this.length) abort('Message.u32At: offset out of range');
    return load<u32>(this.ptr + <usize>offset);
  }

  /** A little-endian f64 at byte `offset` (how pids travel inside binary messages). */
  f64At(offset: i32): f64 {
    if (offset < 0 || offset + 8 > this.length) abort('Message.f64At: offset out of range');
    return load<f64>(this.ptr + <usize>offset);
  }

  /** True if the message is exactly the UTF-8 encoding of `s` (no allocation for ASCII). */
  is(s: string): bool {
    return this.compare(s, true);
  }

  /** True if the message starts with the UTF-8 encoding of `s`. */
  startsWith(s: string): bool {
    return this.compare(s, false);
  }

  /**
   * Compare against `s` reading its UTF-16 code units straight from memory: commands are
   * usually ASCII, and this is the hot path of text-driven actors.
   */
  private compare(s: string, exact: bool): bool {
    const n = s.length;
    // UTF-8 never has fewer bytes than the string has UTF-16 code units.
    if (n > this.length) return false;
    const sp = changetype<usize>(s);
    const mp = this.ptr;
    for (let i = 0; i < n; i++) {
      const c = <u32>load<u16>(sp + ((<usize>i) << 1));
      if (c >= 0x80) return exact ? equalsUtf8(mp, this.length, s) : startsWithUtf8(mp, this.length, s);
      if (<u32>load<u8>(mp + <usize>i) != c) return false;
    }
    return !exact || n == this.length;
  }

  /** The `replyTo` pid if this message is a request, else 0. */
  get sender(): f64 {
    return host.sender();
  }

  /** Reply with bytes to the sender of the current request (returns an ABI code). */
  reply(data: Uint8Array): i32 {
    return host.reply(data.dataStart, data.byteLength);
  }

  /** Reply with UTF-8 text. */
  replyText(text: string): i32 {
    const t = encodeA(text);
    return host.reply(t, aLen);
  }

  /** Send this message's bytes, uncopied inside the guest, to `pid`. */
  forward(pid: f64): i32 {
    return host.send(pid, this.ptr, this.length);
  }
}

function equalsUtf8(ptr: usize, length: i32, s: string): bool {
  return String.UTF8.byteLength(s) == length && startsWithUtf8(ptr, length, s);
}

function startsWithUtf8(ptr: usize, length: i32, s: string): bool {
  const buf = String.UTF8.encode(s);
  const n = buf.byteLength;
  if (n > length) return false;
  return memory.compare(ptr, changetype<usize>(buf), <usize>n) == 0;
}
