// The DER writer against OpenSSL's own encoder: each case is written by der.ts and by
// `openssl asn1parse -genconf` (ASN1_generate_nconf) from the same value, and the bytes must be equal.
// No expected byte is typed by hand. The cases sit where encoders go wrong: length forms (short,
// 0x81 at 128, 0x82 at 256, 0x83 at 65,536), INTEGER sign bytes (±127/128/129, 255/256, 2^63, big
// negatives), OIDs with multi-byte and huge arcs and the joined first two arcs, UTCTime vs
// GeneralizedTime on both sides of 1950 and 2050, SET OF ordering, context tags.
// The reader is checked against OpenSSL's parser: the same TLV walk as `openssl asn1parse`, and the
// same times as node:crypto's X509Certificate (OpenSSL) reads from a certificate.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import * as der from '../../src/secrets/der.js';
import { childrenOf, readTime, readTlv, type Tlv } from '../../src/secrets/derReader.js';
import { loadSigner } from '../../src/secrets/caSigner.js';
import { certToPem, createCaCertificate } from '../../src/secrets/certificate.js';
import { generateKeyDer } from '../../src/secrets/keys.js';
import { toPem } from '../../src/secrets/pem.js';
import { haveTool, tool } from '../helpers/validators.js';

const scratch = mkdtempSync(join(tmpdir(), 'kspray-der-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

/**
 * DER made by OpenSSL from an ASN1_generate_nconf configuration (`asn1=` line plus any sections), or
 * from a lone `-genstr` string when there are no sections (the config parser would take a ' as a quote).
 */
function openssl(conf: string): Buffer {
  const base = join(scratch, String(n++));
  const single = !conf.includes('\n') && conf.startsWith('asn1=') && conf.length < 100_000;
  if (!single) writeFileSync(`${base}.cnf`, `${conf}\n`);
  const input = single ? ['-genstr', conf.slice('asn1='.length)] : ['-genconf', `${base}.cnf`];
  execFileSync(tool('openssl'), ['asn1parse', ...input, '-noout', '-out', `${base}.der`], { stdio: 'pipe' });
  return readFileSync(`${base}.der`);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (count: number, seed = 7) => Buffer.from(Array.from({ length: count }, (_, i) => (i * 31 + seed) & 0xff));

describe.runIf(haveTool('openssl'))('the DER writer writes what OpenSSL writes', () => {
  test.each([0, 1, 127, 128, 255, 256, 257, 65_535, 65_536, 70_000])('OCTET STRING of %i bytes (length forms)', (size) => {
    const content = bytes(size);
    expect(hex(der.octetString(content))).toBe(hex(openssl(size === 0 ? 'asn1=OCTETSTRING:' : `asn1=FORMAT:HEX,OCTETSTRING:${hex(content)}`)));
  });

  test.each([0, 1, 127, 128, 129, 255, 256, 32_767, 32_768, 65_535, 65_536, -1, -127, -128, -129, -255, -256, -257, -32_768, -32_769])('INTEGER %i', (value) => {
    expect(hex(der.integer(value))).toBe(hex(openssl(`asn1=INTEGER:${value}`)));
  });

  test.each([2n ** 63n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 256n - 1n, -(2n ** 200n), -(2n ** 200n) + 1n, 2n ** 1024n + 12345n])('INTEGER %s (bigint)', (value) => {
    const abs = value < 0n ? -value : value;
    expect(hex(der.integer(value))).toBe(hex(openssl(`asn1=INTEGER:${value < 0n ? '-' : ''}0x${abs.toString(16)}`)));
  });

  test.each(['', '00', '0000', '7f', '80', 'ff', '00ff', '0000007f01', '4a1b2c3d4e5f60718293a4b5c6d7e8f9', 'ff00000000000000000000000000000a', 'ff'.repeat(130)])(
    'unsigned INTEGER from magnitude %s (leading zeros dropped, a 0x00 before a set top bit)',
    (magnitude) => {
      const value = magnitude === '' ? 0n : BigInt(`0x${magnitude}`);
      expect(hex(der.unsignedInteger(Buffer.from(magnitude, 'hex')))).toBe(hex(openssl(`asn1=INTEGER:0x${value.toString(16)}`)));
    },
  );

  test.each([
    '2.5.29.14', // one byte per arc
    '1.2.840.113549.1.1.11', // multi-byte arcs (840, 113549)
    '1.2.840.10045.4.3.2',
    '1.3.6.1.5.5.7.3.1',
    '0.0',
    '0.39',
    '1.39.4294967296', // an arc past 2^32
    '2.40', // first two arcs joined past 80
    '2.999.3', // joined subidentifier needing two bytes
    '2.25.340282366920938463463374607431768211455', // a UUID OID: a 128-bit arc
    '0.9.2342.19200300.100.1.25',
  ])('OBJECT IDENTIFIER %s', (dotted) => {
    expect(hex(der.oid(dotted))).toBe(hex(openssl(`asn1=OID:${dotted}`)));
  });

  test.each([
    ['1950-01-01T00:00:00Z', 'UTCTIME:500101000000Z'],
    ['2026-01-01T00:00:00.123Z', 'UTCTIME:260101000000Z'], // milliseconds dropped
    ['2049-12-31T23:59:59.999Z', 'UTCTIME:491231235959Z'],
    ['2050-01-01T00:00:00Z', 'GENTIME:20500101000000Z'],
    ['1949-12-31T23:59:59Z', 'GENTIME:19491231235959Z'],
    ['2100-06-30T12:34:56Z', 'GENTIME:21000630123456Z'],
  ])('X.509 Time %s: %s', (iso, conf) => {
    const date = new Date(iso);
    expect(hex(der.x509Time(date))).toBe(hex(openssl(`asn1=${conf}`)));
    if (conf.startsWith('UTC')) expect(hex(der.utcTime(date))).toBe(hex(openssl(`asn1=${conf}`)));
    else expect(hex(der.generalizedTime(date))).toBe(hex(openssl(`asn1=${conf}`)));
  });

  test('GeneralizedTime before 2050 too (written on request), and up to year 9999', () => {
    expect(hex(der.generalizedTime(new Date('2026-07-04T05:06:07Z')))).toBe(hex(openssl('asn1=GENTIME:20260704050607Z')));
    expect(hex(der.x509Time(new Date('9999-12-31T23:59:59Z')))).toBe(hex(openssl('asn1=GENTIME:99991231235959Z')));
  });

  test('an empty BIT STRING (no named bit set) is one that openssl reads: a lone 0 unused-bits byte', () => {
    const file = join(scratch, 'empty-bits.der');
    writeFileSync(file, der.namedBits([]));
    expect(der.namedBits([]).equals(der.bitString(Buffer.alloc(0)))).toBe(true);
    expect(execFileSync(tool('openssl'), ['asn1parse', '-inform', 'DER', '-in', file], { encoding: 'utf8' })).toMatch(/^\s*0:d=0\s+hl=2\s+l=\s*1 prim: BIT STRING/);
  });

  test('SET OF keeps equal elements (a multiset)', () => {
    expect(hex(der.set(der.integer(1), der.integer(1)))).toBe(hex(openssl('asn1=SET:s\n[s]\na=INTEGER:1\nb=INTEGER:1')));
  });

  test.each([
    ['PrintableString', () => der.printableString("kube-apiserver O'Neil (a+b), c-d./:=?"), "asn1=PRINTABLESTRING:kube-apiserver O'Neil (a+b), c-d./:=?"],
    ['UTF8String', () => der.utf8String('node_ünï ✓'), 'asn1=FORMAT:UTF8,UTF8String:node_ünï ✓'],
    ['IA5String', () => der.ia5String('kubernetes.default.svc_x@y'), 'asn1=IA5STRING:kubernetes.default.svc_x@y'],
    ['a long UTF8String (0x81 length)', () => der.utf8String('x'.repeat(200)), `asn1=UTF8String:${'x'.repeat(200)}`],
    ['BOOLEAN TRUE', () => der.boolean(true), 'asn1=BOOLEAN:TRUE'],
    ['BOOLEAN FALSE', () => der.boolean(false), 'asn1=BOOLEAN:FALSE'],
    ['NULL', () => der.nullValue(), 'asn1=NULL'],
    ['BIT STRING of whole bytes', () => der.bitString(bytes(65)), `asn1=FORMAT:HEX,BITSTRING:${hex(bytes(65))}`],
    ['keyUsage of a leaf (bits 0, 2)', () => der.namedBits([0, 2]), 'asn1=FORMAT:BITLIST,BITSTRING:0,2'],
    ['keyUsage of a CA (bits 0, 2, 5)', () => der.namedBits([5, 0, 2]), 'asn1=FORMAT:BITLIST,BITSTRING:0,2,5'],
    ['bit 7 (a full byte)', () => der.namedBits([7]), 'asn1=FORMAT:BITLIST,BITSTRING:7'],
    ['bit 8 (a second byte, 7 unused bits)', () => der.namedBits([8]), 'asn1=FORMAT:BITLIST,BITSTRING:8'],
    ['bits 1, 9, 14', () => der.namedBits([1, 9, 14]), 'asn1=FORMAT:BITLIST,BITSTRING:1,9,14'],
    ['empty SEQUENCE', () => der.sequence(), 'asn1=SEQUENCE:s\n[s]'],
    ['SEQUENCE', () => der.sequence(der.integer(1), der.boolean(true)), 'asn1=SEQUENCE:s\n[s]\na=INTEGER:1\nb=BOOLEAN:TRUE'],
    [
      'SEQUENCE of 300 content bytes (0x82 length)',
      () => der.sequence(der.octetString(bytes(146)), der.octetString(bytes(148))),
      `asn1=SEQUENCE:s\n[s]\na=FORMAT:HEX,OCTETSTRING:${hex(bytes(146))}\nb=FORMAT:HEX,OCTETSTRING:${hex(bytes(148))}`,
    ],
    ['SET OF in DER order', () => der.set(der.integer(300), der.boolean(true), der.integer(1), der.integer(-1)), 'asn1=SET:s\n[s]\na=INTEGER:300\nb=BOOLEAN:TRUE\nc=INTEGER:1\nd=INTEGER:-1'],
    ['SET OF, a prefix sorts first', () => der.set(der.octetString(Buffer.of(1, 2)), der.octetString(Buffer.of(1))), 'asn1=SET:s\n[s]\na=FORMAT:HEX,OCTETSTRING:0102\nb=FORMAT:HEX,OCTETSTRING:01'],
    ['[0] EXPLICIT INTEGER (the version)', () => der.explicit(0, der.integer(2)), 'asn1=EXPLICIT:0,INTEGER:2'],
    ['[3] EXPLICIT SEQUENCE (the extensions)', () => der.explicit(3, der.sequence(der.integer(5))), 'asn1=EXPLICIT:3,SEQUENCE:s\n[s]\na=INTEGER:5'],
    ['[30] EXPLICIT, the last low tag number', () => der.explicit(30, der.nullValue()), 'asn1=EXPLICIT:30,NULL'],
    ['[2] IMPLICIT IA5String (a dNSName)', () => der.implicitPrimitive(2, Buffer.from('a.b')), 'asn1=IMPLICIT:2,IA5STRING:a.b'],
    ['[7] IMPLICIT OCTET STRING (an iPAddress)', () => der.implicitPrimitive(7, Buffer.from('fd000010000000000000000000000011', 'hex')), 'asn1=IMPLICIT:7,FORMAT:HEX,OCTETSTRING:fd000010000000000000000000000011'],
    ['[0] IMPLICIT OCTET STRING (a keyIdentifier)', () => der.implicitPrimitive(0, bytes(20)), `asn1=IMPLICIT:0,FORMAT:HEX,OCTETSTRING:${hex(bytes(20))}`],
  ] as const)('%s', (_name, ours, conf) => {
    expect(hex(ours())).toBe(hex(openssl(conf)));
  });
});

describe('the DER writer refuses what it cannot write', () => {
  test.each([
    ['a negative length', () => der.derLength(-1)],
    ['a fractional length', () => der.derLength(1.5)],
    ['9 unused bits', () => der.bitString(Buffer.of(0), 8)],
    ['negative unused bits', () => der.bitString(Buffer.of(0), -1)],
    ['unused bits in an empty BIT STRING', () => der.bitString(Buffer.alloc(0), 1)],
    ['a negative named bit', () => der.namedBits([-1])],
    ['an OID of one arc', () => der.oid('1')],
    ['an OID with a trailing dot', () => der.oid('1.2.')],
    ['an OID arc with a leading zero', () => der.oid('1.02')],
    ['an OID under a first arc of 3', () => der.oid('3.1')],
    ['second arc 40 under arc 1', () => der.oid('1.40')],
    ['second arc 40 under arc 0', () => der.oid('0.40')],
    ['"_" in a PrintableString', () => der.printableString('a_b')],
    ['"é" in an IA5String', () => der.ia5String('é')],
    ['UTCTime in 2050', () => der.utcTime(new Date('2050-01-01T00:00:00Z'))],
    ['UTCTime in 1949', () => der.utcTime(new Date('1949-12-31T23:59:59Z'))],
    ['an invalid date', () => der.x509Time(new Date(NaN))],
    ['GeneralizedTime past 9999', () => der.generalizedTime(new Date('+010000-01-01T00:00:00Z'))],
    ['context tag [31]', () => der.explicit(31, der.nullValue())],
    ['context tag [-1]', () => der.implicitPrimitive(-1, Buffer.alloc(0))],
  ])('%s', (_name, write) => {
    expect(write).toThrow(RangeError);
  });

  test('the PrintableString alphabet is exactly X.680 41.4', () => {
    const printable = [...Array(128).keys()].map((c) => String.fromCharCode(c)).filter((c) => der.PRINTABLE.test(c));
    expect(printable.join('')).toBe(" '()+,-./0123456789:=?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
  });
});

describe.runIf(haveTool('openssl'))('the DER reader reads what OpenSSL reads', () => {
  /** Our walk as `openssl asn1parse` lists it: offset, depth, header length, content length, per TLV. */
  function walk(buf: Buffer, t: Tlv, depth: number, out: string[]): void {
    out.push(`${t.start}:d=${depth} hl=${t.contentStart - t.start} l=${t.end - t.contentStart}`);
    if (t.identifier & 0x20) for (const c of childrenOf(buf, t)) walk(buf, c, depth + 1, out);
  }

  test('a nested structure with every length form: the same TLVs as openssl asn1parse finds', () => {
    const buf = der.sequence(
      der.integer(-129),
      der.explicit(3, der.sequence(der.octetString(bytes(127)), der.octetString(bytes(128)), der.octetString(bytes(300)))),
      der.set(der.utf8String('x'.repeat(70_000))),
      der.nullValue(),
    );
    const file = join(scratch, 'walk.der');
    writeFileSync(file, buf);
    const listing = execFileSync(tool('openssl'), ['asn1parse', '-inform', 'DER', '-in', file], { encoding: 'utf8' });
    const theirs = [...listing.matchAll(/^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)/gm)].map((m) => `${m[1]}:d=${m[2]} hl=${m[3]} l=${m[4]}`);
    const ours: string[] = [];
    walk(buf, readTlv(buf), 0, ours);
    expect(ours).toEqual(theirs);
    expect(ours.length).toBe(10);
  });

  test.each(['1950-01-01T00:00:00Z', '2026-12-08T01:02:03Z', '2049-12-31T23:59:59Z', '2050-01-01T00:00:00Z', '2100-06-30T12:34:56Z'])(
    'notAfter %s read back from a CA certificate as OpenSSL reads it',
    async (iso) => {
      const key = await generateKeyDer('ECDSA-P256');
      const cert = createCaCertificate('kubernetes', key, 'ECDSA-P256', { notBefore: new Date('1950-01-01T00:00:00Z'), notAfter: new Date(iso) }, '4a');
      const pem = certToPem(cert);
      const theirs = new Date(new X509Certificate(pem).validTo);
      expect(loadSigner({ cert: pem, key: toPem('PRIVATE KEY', key.pkcs8) }, 'ECDSA-P256').notAfter.toISOString()).toBe(theirs.toISOString());
      expect(theirs.toISOString()).toBe(new Date(iso).toISOString());
    },
  );
});

describe('the DER reader refuses what is not DER it reads', () => {
  const ok = der.sequence(der.octetString(bytes(300)));
  test.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['a lone identifier', Buffer.of(0x30)],
    ['a long length cut short', ok.subarray(0, 3)],
    ['content cut short', ok.subarray(0, ok.length - 1)],
    ['a high tag number', Buffer.of(0x1f, 0x81, 0x00)],
    ['an indefinite length (BER, not DER)', Buffer.of(0x30, 0x80, 0x00, 0x00)],
    ['a length of 5 bytes', Buffer.of(0x04, 0x85, 0, 0, 0, 0, 1, 0)],
  ])('%s', (_name, buf) => {
    expect(() => readTlv(buf)).toThrow(/DER at byte 0/);
  });

  test('a 4-byte length is read (its content then runs past this short buffer), a 5-byte one is not', () => {
    expect(() => readTlv(Buffer.of(0x04, 0x84, 0x01, 0x00, 0x00, 0x00, 0xaa))).toThrow(/content of 16777216 bytes runs past the end/);
    expect(() => readTlv(Buffer.of(0x04, 0x85, 0x00, 0x01, 0x00, 0x00, 0x00))).toThrow(/unsupported length of 5 bytes/);
  });

  test('a child running past its parent', () => {
    // A SEQUENCE claiming 2 content bytes whose child claims 3: each valid alone, not together.
    const buf = Buffer.concat([Buffer.of(0x30, 0x02), der.octetString(Buffer.of(1, 2, 3)).subarray(0, 2), Buffer.of(9, 9, 9)]);
    expect(() => childrenOf(buf, readTlv(buf))).toThrow(/past/);
  });

  test.each([
    ['UTCTime without Z', der.tlv(0x17, Buffer.from('491231235959'))],
    ['UTCTime with a fraction', der.tlv(0x17, Buffer.from('491231235959.5Z'))],
    ['GeneralizedTime in UTCTime form', der.tlv(0x18, Buffer.from('491231235959Z'))],
    ['a time of another type', der.octetString(Buffer.from('491231235959Z'))],
  ])('readTime refuses %s', (_name, buf) => {
    expect(() => readTime(buf, readTlv(buf))).toThrow(/not an X.509 time/);
  });
});
