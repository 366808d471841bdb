// String and JSON-ish helpers for actors that speak text.

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

/** Split on single spaces (commands like "put key value"). */
export function words(text: string): string[] {
  return text.split(' ');
}

/** Everything after the first `n` space-separated words ("put k some value" → "some value"). */
export function rest(text: string, n: i32): string {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const sp = text.indexOf(' ', at);
    if (sp < 0) return '';
    at = sp + 1;
  }
  return text.substring(at);
}

/** A pid (or any integer-valued f64) as decimal text, without a trailing ".0". */
export function pidToText(pid: f64): string {
  return (<i64>pid).toString();
}

/** Parse decimal text to a number (NaN if it is not one). */
export function parseNumber(text: string): f64 {
  return parseFloat(text);
}

/** A JSON string literal (quoted and escaped). */
export function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += '\\\\';
    else if (c == 0x0a) out += '\\n';
    else if (c < 0x20) out += '\\u00' + (c < 0x10 ? '0' : '') + c.toString(16);
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

/**
 * Builds a flat JSON object.
 *
 * @example
 * new JsonWriter().str("name", "ada").num("count", 3).end() // {"name":"ada","count":3}
 */
export class JsonWriter {
  private out: string = '{';
  private first: bool = true;

  private key(k: string): void {
    if (!this.first) this.out += ',';
    this.first = false;
    this.out += jsonString(k) + ':';
  }

  str(k: string, v: string): JsonWriter {
    this.key(k);
    this.out += jsonString(v);
    return this;
  }

  num(k: string, v: f64): JsonWriter {
    this.key(k);
    this.out += v == Math.floor(v) && Math.abs(v) < 9007199254740992 ? (<i64>v).toString() : v.toString();
    return this;
  }

  bool(k: string, v: bool): JsonWriter {
    this.key(k);
    this.out += v ? 'true' : 'false';
    return this;
  }

  end(): string {
    return this.out + '}';
  }
}
