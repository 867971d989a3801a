// Just enough DER reading to take apart certificates and keys kspray already holds (the bundle's CA
// certificates, WebCrypto's SPKI export): walk TLVs and read times. Anything malformed throws, since
// every input here was either written by kspray or checked by node:crypto when the bundle loaded.

export interface Tlv {
  /** The identifier byte (class, constructed bit, tag number). */
  identifier: number;
  /** Offsets into the buffer: the whole TLV is [start, end), its content [contentStart, end). */
  start: number;
  contentStart: number;
  end: number;
}

export function readTlv(der: Uint8Array, offset = 0): Tlv {
  const fail = (why: string): never => {
    throw new Error(`DER at byte ${offset}: ${why}`);
  };
  if (offset + 2 > der.length) fail('truncated header');
  const identifier = der[offset]!;
  if ((identifier & 0x1f) === 0x1f) fail('high tag numbers are not read');
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) fail(`unsupported length of ${count} bytes`);
    if (contentStart + count > der.length) fail('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > der.length) fail(`content of ${length} bytes runs past the end`);
  return { identifier, start: offset, contentStart, end };
}

/** The TLVs inside a constructed one, in order. */
export function childrenOf(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(der, at);
    if (child.end > parent.end) throw new Error(`DER at byte ${at}: runs past its parent`);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const contentOf = (der: Uint8Array, t: Tlv): Buffer => Buffer.from(der.buffer, der.byteOffset + t.contentStart, t.end - t.contentStart);
export const bytesOf = (der: Uint8Array, t: Tlv): Buffer => Buffer.from(der.buffer, der.byteOffset + t.start, t.end - t.start);

/** UTCTime (YYMMDDHHMMSSZ, 50–99 → 19xx) or GeneralizedTime (YYYYMMDDHHMMSSZ), as X.509 writes them. */
export function readTime(der: Uint8Array, t: Tlv): Date {
  const text = contentOf(der, t).toString('latin1');
  const utc = t.identifier === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : undefined;
  const gen = t.identifier === 0x18 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : undefined;
  const m = utc ?? gen;
  if (!m) throw new Error(`not an X.509 time: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const year = utc ? (y! >= 50 ? 1900 + y! : 2000 + y!) : y!;
  return new Date(Date.UTC(year, mo! - 1, d!, h!, mi!, s!));
}
