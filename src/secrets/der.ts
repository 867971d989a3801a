// A DER (ITU-T X.690) writer for exactly what kspray's certificates hold. Building them through a
// generic ASN.1 library (schema objects, then a BER tree, then bytes, then a re-parse of each part)
// was most of the PKI stage's CPU; these functions write the bytes directly. Every function returns
// one complete TLV, so a structure reads as the ASN.1 it encodes. Low tag numbers (< 31) only: no
// structure in an X.509 certificate uses a higher one.

/** Definite length: short form below 128, else 0x80|n followed by n big-endian bytes (no leading zero). */
export function derLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`DER length ${length} is not a non-negative integer`);
  if (length < 0x80) return Buffer.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV: a one-byte identifier (class, constructed bit and tag number already combined). */
export function tlv(identifier: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(identifier), derLength(content.length), content]);
}

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

export const sequence = (...items: Uint8Array[]): Buffer => tlv(TAG.sequence, Buffer.concat(items));

/**
 * SET OF: DER orders the elements by their encodings, compared as octet strings with the shorter
 * one padded with zeros at the end (X.690 11.6), so the same set always encodes the same way.
 */
export function set(...items: Uint8Array[]): Buffer {
  const sorted = [...items].sort((a, b) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  });
  return tlv(TAG.set, Buffer.concat(sorted));
}

/** DER's only TRUE is 0xFF (BER allows any non-zero byte). */
export const boolean = (value: boolean): Buffer => tlv(TAG.boolean, Buffer.of(value ? 0xff : 0x00));

export const nullValue = (): Buffer => tlv(TAG.null, Buffer.alloc(0));

export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.octetString, bytes);

/** A BIT STRING whose last `unusedBits` bits (0–7) are padding; whole bytes (keys, signatures) have none. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`BIT STRING cannot have ${unusedBits} unused bits in ${bytes.length} bytes`);
  }
  return tlv(TAG.bitString, Buffer.concat([Buffer.of(unusedBits), bytes]));
}

/**
 * A NamedBitList (keyUsage) from its set bit numbers, bit 0 being the most significant bit of the
 * first byte. DER drops every trailing zero bit (X.690 11.2.2), so the length and the count of
 * unused bits follow from the highest bit set.
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc((highest >> 3) + 1);
  for (const bit of bits) {
    if (!Number.isInteger(bit) || bit < 0) throw new RangeError(`named bit ${bit} is not a non-negative integer`);
    bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  return bitString(bytes, 7 - (highest & 7));
}

/** INTEGER in two's complement, in as few bytes as it takes (no redundant 0x00 or 0xFF first byte). */
export function integer(value: bigint | number): Buffer {
  let v = BigInt(value);
  const bytes: number[] = [];
  // Emit low bytes until what is left is only the sign extension of the last byte emitted.
  for (;;) {
    const low = Number(v & 0xffn);
    bytes.unshift(low);
    v >>= 8n;
    if ((v === 0n && (low & 0x80) === 0) || (v === -1n && (low & 0x80) !== 0)) break;
  }
  return tlv(TAG.integer, Buffer.from(bytes));
}

/** A non-negative INTEGER from its big-endian magnitude (serials, ECDSA r and s): leading zeros dropped, one put back when the top bit is set. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let first = 0;
  while (first < magnitude.length - 1 && magnitude[first] === 0) first++;
  const body = magnitude.length === 0 ? Buffer.of(0) : Buffer.from(magnitude.subarray(first));
  return tlv(TAG.integer, body[0]! & 0x80 ? Buffer.concat([Buffer.of(0), body]) : body);
}

/** OBJECT IDENTIFIER from dotted form: the first two arcs share one subidentifier (40·a + b), each in base 128, high bit on all but its last byte. */
export function oid(dotted: string): Buffer {
  if (!/^[0-2]\.(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/.test(dotted)) throw new RangeError(`${JSON.stringify(dotted)} is not a dotted OID`);
  const arcs = dotted.split('.').map(BigInt);
  if (arcs[0]! < 2n && arcs[1]! > 39n) throw new RangeError(`OID ${dotted}: under arc ${arcs[0]} the second arc is at most 39`);
  const out: number[] = [];
  for (const sub of [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(sub & 0x7fn)];
    for (let v = sub >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(TAG.oid, Buffer.from(out));
}

export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, 'utf8'));

/** PrintableString's alphabet (X.680 41.4): letters, digits, space and ' ( ) + , - . / : = ? */
export const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function printableString(text: string): Buffer {
  if (!PRINTABLE.test(text)) throw new RangeError(`${JSON.stringify(text)} has characters a PrintableString cannot hold`);
  return tlv(TAG.printableString, Buffer.from(text, 'latin1'));
}

export function ia5String(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`${JSON.stringify(text)} is not IA5 (ASCII)`);
  return tlv(TAG.ia5String, Buffer.from(text, 'latin1'));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function assertDate(date: Date): void {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
}

/** UTCTime YYMMDDHHMMSSZ: seconds always, no fraction, UTC (RFC 5280 4.1.2.5.1). Milliseconds are dropped. */
export function utcTime(date: Date): Buffer {
  assertDate(date);
  const y = date.getUTCFullYear();
  if (y < 1950 || y > 2049) throw new RangeError(`UTCTime holds 1950–2049, not ${y}`);
  return tlv(TAG.utcTime, Buffer.from(`${pad(y % 100)}${stamp(date)}Z`, 'latin1'));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ: no fraction, UTC (RFC 5280 4.1.2.5.2). Milliseconds are dropped. */
export function generalizedTime(date: Date): Buffer {
  assertDate(date);
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError(`GeneralizedTime holds years 0000–9999, not ${y}`);
  return tlv(TAG.generalizedTime, Buffer.from(`${pad(y, 4)}${stamp(date)}Z`, 'latin1'));
}

const stamp = (d: Date) => `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;

/** X.509 Time: UTCTime through 2049, GeneralizedTime from 2050 on (RFC 5280 4.1.2.5). */
export function x509Time(date: Date): Buffer {
  assertDate(date);
  const y = date.getUTCFullYear();
  return y >= 1950 && y <= 2049 ? utcTime(date) : generalizedTime(date);
}

/** [n] EXPLICIT: a constructed context-specific TLV around complete encodings. */
export const explicit = (tagNumber: number, ...items: Uint8Array[]): Buffer => tlv(0xa0 | contextTag(tagNumber), Buffer.concat(items));

/** [n] IMPLICIT on a primitive type: the type's own tag replaced, its content bytes kept. */
export const implicitPrimitive = (tagNumber: number, content: Uint8Array): Buffer => tlv(0x80 | contextTag(tagNumber), content);

function contextTag(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag [${n}] needs the high-tag-number form, which this writer does not write`);
  return n;
}
