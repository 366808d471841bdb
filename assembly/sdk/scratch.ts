// Two reusable UTF-8 scratch buffers, so calls that pass strings to the host (names, reasons,
// log text) allocate nothing in the guest. A and B exist for calls that pass two strings at
// once (a name and a text). The encoded bytes are valid until the next encode into the same
// buffer — the host copies them during the call.

let aPtr: usize = 0;
let aCap: i32 = 0;
let bPtr: usize = 0;
let bCap: i32 = 0;

/** Byte length of the last `encodeA`. */
export let aLen: i32 = 0;
/** Byte length of the last `encodeB`. */
export let bLen: i32 = 0;

/** UTF-8 encode into scratch A; returns its address (`aLen` holds the length). */
export function encodeA(s: string): usize {
  const need = String.UTF8.byteLength(s);
  if (need > aCap) {
    if (aPtr != 0) heap.free(aPtr);
    aCap = max<i32>(need, 64);
    aPtr = heap.alloc(<usize>aCap);
  }
  aLen = <i32>String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, aPtr);
  return aPtr;
}

/** UTF-8 encode into scratch B; returns its address (`bLen` holds the length). */
export function encodeB(s: string): usize {
  const need = String.UTF8.byteLength(s);
  if (need > bCap) {
    if (bPtr != 0) heap.free(bPtr);
    bCap = max<i32>(need, 64);
    bPtr = heap.alloc(<usize>bCap);
  }
  bLen = <i32>String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, bPtr);
  return bPtr;
}

const KNOWN: string[] = ['normal', 'shutdown', 'killed', 'crashed', 'noproc', 'timeout', 'noconnection'];

/**
 * Decode UTF-8 from memory. The well-known exit reasons come back as constants, so stopping an
 * actor or delivering a down notice usually allocates nothing.
 */
export function decodeText(ptr: usize, len: i32): string {
  if (len == 0) return '';
  for (let k = 0; k < KNOWN.length; k++) {
    const s = unchecked(KNOWN[k]);
    if (s.length != len) continue;
    let same = true;
    for (let i = 0; i < len; i++) {
      if (<u32>load<u8>(ptr + <usize>i) != <u32>s.charCodeAt(i)) {
        same = false;
        break;
      }
    }
    if (same) return s;
  }
  return String.UTF8.decodeUnsafe(ptr, <usize>len);
}
