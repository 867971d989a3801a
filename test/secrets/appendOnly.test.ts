// The bundle's small rules, in process and without building a PKI (so StrykerJS's per-test coverage
// can hold each mutant of them to these tests, issue 23): minted bootstrap tokens and leaf renewals
// (append-only files, corrupt ones refused naming the file), the interrupted-creation test of
// bundleState, certificate dates, serials, PEM, and the random secrets' formats. Expected values
// are computed here from each rule as its comment states it, not copied from the code's output.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { KsprayError } from '../../src/errors/errors.js';
import { algorithmParams, isPkiAlgorithm } from '../../src/secrets/algorithms.js';
import { CORE_FILES } from '../../src/secrets/bundleFiles.js';
import { bundleState } from '../../src/secrets/bundleState.js';
import { pemToDer, toPem } from '../../src/secrets/pem.js';
import { readRenewals, renewalFileName, renewalToFile, withLeafRenewals } from '../../src/secrets/renewals.js';
import { derivedSerial, randomSerial } from '../../src/secrets/serial.js';
import { isEncryptionKey, newBootstrapToken, newEncryptionKey } from '../../src/secrets/token.js';
import { currentToken, newestMintedToken, parseDuration, tokenExpiresAt, tokenFileName, tokenToFile, type BootstrapToken } from '../../src/secrets/tokens.js';
import type { SecretsBundle } from '../../src/secrets/types.js';
import { BACKDATE_MS, caValidity, leafValidity } from '../../src/secrets/validity.js';

const DIR = 'outputs/demo/secrets';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The KsprayError `f` throws: an input error naming `${DIR}/${relPath}`, with the detail and the restore hint. */
function expectCorrupt(f: () => unknown, relPath: string, detail: RegExp): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(KsprayError);
  const k = error as KsprayError;
  expect(k.kind).toBe('input');
  expect(k.problems[0]!.rule).toBe('secrets-bundle-intact');
  expect(k.message).toContain(`secrets bundle file ${DIR}/${relPath} is corrupt`);
  expect(k.message).toMatch(detail);
}

const token = (id: string, createdAt: string, ttl = '24h'): BootstrapToken => ({ id, secret: `${id}${id}abcd`.slice(0, 16), createdAt: new Date(createdAt), ttl });
const filesOf = (...fs: Array<{ relPath: string; content: string }>) => new Map(fs.map((f) => [f.relPath, f.content]));

describe('minted bootstrap tokens (tokens.ts)', () => {
  test.each([
    ['24h', 24 * HOUR],
    ['1h30m', 90 * 60_000],
    ['90m', 90 * 60_000],
    ['45s', 45_000],
    ['1h2m3s', HOUR + 2 * 60_000 + 3000],
    ['0s', 0],
  ])('duration %s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '1d', 'h', '24', ' 24h', '24h ', '1m1h', '-1h', '1.5h'])('"%s" is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  test('a token expires its ttl after its creation; 0s never; a bad ttl is a bug, not a date', () => {
    expect(tokenExpiresAt(token('abcdef', '2026-03-01T00:00:00.000Z', '1h30m'))).toEqual(new Date('2026-03-01T01:30:00.000Z'));
    expect(tokenExpiresAt(token('abcdef', '2026-03-01T00:00:00.000Z', '0s'))).toBeUndefined();
    expect(() => tokenExpiresAt(token('abcdef', '2026-03-01T00:00:00.000Z', 'soon'))).toThrow('scale: bad token ttl "soon"');
  });

  test('a minted token is tokens/<id>.json, sorted keys, 0600, read back as it was', () => {
    const t = token('k7x2aa', '2026-03-01T12:34:56.000Z', '2h');
    const f = tokenToFile(t);
    expect(tokenFileName('k7x2aa')).toBe('tokens/k7x2aa.json');
    expect(f.relPath).toBe('tokens/k7x2aa.json');
    expect(f.mode).toBe(0o600);
    const expected = { createdAt: '2026-03-01T12:34:56.000Z', id: 'k7x2aa', secret: t.secret, ttl: '2h', version: 1 };
    expect(f.content).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    expect(newestMintedToken(filesOf(f), DIR)).toEqual(t);
  });

  test('the current token: the newest minted (by date, then id), else the bundle first one dated by the bundle', () => {
    const first = { id: 'first0', secret: 'aaaaaaaaaaaaaaaa' };
    const created = new Date('2026-01-01T00:00:00.000Z');
    expect(currentToken(new Map(), first, created, '24h', DIR)).toEqual({ ...first, createdAt: created, ttl: '24h' });
    expect(newestMintedToken(new Map(), DIR)).toBeUndefined();
    const older = token('zzzzzz', '2026-02-01T00:00:00.000Z');
    const newer = token('aaaaaa', '2026-03-01T00:00:00.000Z');
    const sameTimeB = token('bbbbbb', '2026-03-01T00:00:00.000Z');
    // Written in an order that is neither date nor id order.
    const files = filesOf(tokenToFile(sameTimeB), tokenToFile(older), tokenToFile(newer));
    expect(currentToken(files, first, created, '24h', DIR)).toEqual(sameTimeB);
    expect(newestMintedToken(filesOf(tokenToFile(newer), tokenToFile(older)), DIR)).toEqual(newer);
    expect(newestMintedToken(filesOf(tokenToFile(older), tokenToFile(newer)), DIR)).toEqual(newer);
    expect(newestMintedToken(filesOf(tokenToFile(newer), tokenToFile(sameTimeB)), DIR)).toEqual(sameTimeB);
  });

  test('files outside tokens/ or not .json (temps of an interrupted write) are not tokens', () => {
    const t = tokenToFile(token('aaaaaa', '2026-02-01T00:00:00.000Z'));
    const files = new Map([
      ['tokens/aaaaaa.json.tmp-123-abcdef', 'garbage'],
      ['leaf/tokens/bbbbbb.json', 'garbage'],
      ['tokens.json', 'garbage'],
    ]);
    expect(newestMintedToken(files, DIR)).toBeUndefined();
    files.set(t.relPath, t.content);
    expect(newestMintedToken(files, DIR)?.id).toBe('aaaaaa');
  });

  const good = JSON.parse(tokenToFile(token('abcdef', '2026-02-01T00:00:00.000Z')).content) as Record<string, unknown>;
  test.each([
    ['not JSON', 'tokens/abcdef.json', '{"id":', /it is not valid JSON/],
    ['id not kubeadm format', 'tokens/ABCDEF.json', JSON.stringify({ ...good, id: 'ABCDEF' }), /not in kubeadm format/],
    ['id missing', 'tokens/abcdef.json', JSON.stringify({ ...good, id: undefined }), /not in kubeadm format/],
    ['id a number', 'tokens/123456.json', JSON.stringify({ ...good, id: 123456 }), /not in kubeadm format/],
    ['id of 7 characters', 'tokens/abcdefg.json', JSON.stringify({ ...good, id: 'abcdefg' }), /not in kubeadm format/],
    ['id with a capital before 6 good characters', 'tokens/Xabcdef.json', JSON.stringify({ ...good, id: 'Xabcdef' }), /not in kubeadm format/],
    ['secret of 17 characters', 'tokens/abcdef.json', JSON.stringify({ ...good, secret: 'abcdefghijklmnopq' }), /not in kubeadm format/],
    ['secret too short', 'tokens/abcdef.json', JSON.stringify({ ...good, secret: 'abc' }), /not in kubeadm format/],
    ['secret not a string', 'tokens/abcdef.json', JSON.stringify({ ...good, secret: 1234567890123456 }), /not in kubeadm format/],
    ['id not the file name', 'tokens/ghijkl.json', JSON.stringify(good), /its id abcdef does not match the file name/],
    ['createdAt not ISO UTC', 'tokens/abcdef.json', JSON.stringify({ ...good, createdAt: '2026-02-01' }), /createdAt is not an ISO 8601 UTC timestamp/],
    ['createdAt not a date', 'tokens/abcdef.json', JSON.stringify({ ...good, createdAt: 'tomorrow' }), /createdAt is not an ISO 8601 UTC timestamp/],
    ['createdAt a number', 'tokens/abcdef.json', JSON.stringify({ ...good, createdAt: 1767225600000 }), /createdAt is not an ISO 8601 UTC timestamp/],
    ['ttl not a duration', 'tokens/abcdef.json', JSON.stringify({ ...good, ttl: '1 day' }), /ttl is not a duration like 24h/],
    ['ttl missing', 'tokens/abcdef.json', JSON.stringify({ ...good, ttl: undefined }), /ttl is not a duration like 24h/],
    ['ttl a list holding a duration', 'tokens/abcdef.json', JSON.stringify({ ...good, ttl: ['24h'] }), /ttl is not a duration like 24h/],
  ])('a corrupt token file is refused, named: %s', (_label, relPath, content, detail) => {
    expectCorrupt(() => newestMintedToken(new Map([[relPath, content]]), DIR), relPath, detail);
    expectCorrupt(() => currentToken(new Map([[relPath, content]]), { id: 'first0', secret: 'aaaaaaaaaaaaaaaa' }, new Date(0), '24h', DIR), relPath, detail);
  });
});

describe('leaf renewals (renewals.ts)', () => {
  test('renewals/<UTC time to the second>.json, names once each and sorted, 0600', () => {
    const at = new Date('2026-12-01T08:09:07.123Z');
    expect(renewalFileName(at)).toBe('renewals/20261201T080907Z.json');
    const f = renewalToFile({ renewedAt: at, names: ['kubeconfig/admin', 'cp-1/apiserver', 'kubeconfig/admin'] });
    expect(f.relPath).toBe('renewals/20261201T080907Z.json');
    expect(f.mode).toBe(0o600);
    expect(f.content).toBe(`${JSON.stringify({ names: ['cp-1/apiserver', 'kubeconfig/admin'], renewedAt: '2026-12-01T08:09:07.123Z', version: 1 }, null, 2)}\n`);
  });

  test('read back oldest first by file name, ignoring temps and other directories', () => {
    const a = renewalToFile({ renewedAt: new Date('2026-05-01T00:00:00.000Z'), names: ['x/a'] });
    const b = renewalToFile({ renewedAt: new Date('2026-06-01T00:00:00.000Z'), names: ['x/b', 'x/a'] });
    const files = filesOf(b, a);
    files.set(`${b.relPath}.tmp-1-abc`, 'garbage');
    files.set('leaf/renewals/x.json', 'garbage');
    expect(readRenewals(files, DIR)).toEqual([
      { renewedAt: new Date('2026-05-01T00:00:00.000Z'), names: ['x/a'] },
      { renewedAt: new Date('2026-06-01T00:00:00.000Z'), names: ['x/a', 'x/b'] },
    ]);
    expect(readRenewals(new Map([['sa.key', 'k']]), DIR)).toEqual([]);
  });

  const good = { names: ['x/a'], renewedAt: '2026-05-01T00:00:00.000Z', version: 1 };
  test.each([
    ['not JSON', 'nope', /it is not valid JSON/],
    ['renewedAt not ISO UTC', JSON.stringify({ ...good, renewedAt: '2026-05-01T00:00:00Z' }), /renewedAt is not an ISO 8601 UTC timestamp/],
    ['renewedAt not a date', JSON.stringify({ ...good, renewedAt: 'yesterday' }), /renewedAt is not an ISO 8601 UTC timestamp/],
    ['renewedAt missing', JSON.stringify({ ...good, renewedAt: undefined }), /renewedAt is not an ISO 8601 UTC timestamp/],
    ['names not a list', JSON.stringify({ ...good, names: 'x/a' }), /names is not a list of leaf names/],
    ['a name not a string', JSON.stringify({ ...good, names: ['x/a', 7] }), /names is not a list of leaf names/],
  ])('a corrupt renewal file is refused, named: %s', (_label, content, detail) => {
    expectCorrupt(() => readRenewals(new Map([['renewals/20260501T000000Z.json', content]]), DIR), 'renewals/20260501T000000Z.json', detail);
  });

  const leaf = (createdAt: string) => ({ key: `key of ${createdAt}`, createdAt: new Date(createdAt) });
  const bundleWith = (leaves: Record<string, ReturnType<typeof leaf>>) => ({ leafKeys: new Map(Object.entries(leaves)) }) as unknown as SecretsBundle;

  test('each named leaf is dated from its latest renewal, key kept; never backwards; unknown names ignored; bundle untouched', () => {
    const bundle = bundleWith({ 'x/a': leaf('2026-01-01T00:00:00.000Z'), 'x/b': leaf('2026-07-01T00:00:00.000Z'), 'x/c': leaf('2026-01-01T00:00:00.000Z') });
    const before = new Map(bundle.leafKeys);
    const renewed = withLeafRenewals(bundle, [
      { renewedAt: new Date('2026-05-01T00:00:00.000Z'), names: ['x/a', 'x/b', 'gone/node'] },
      { renewedAt: new Date('2026-06-01T00:00:00.000Z'), names: ['x/a'] },
    ]);
    expect(renewed.leafKeys.get('x/a')).toEqual({ key: 'key of 2026-01-01T00:00:00.000Z', createdAt: new Date('2026-06-01T00:00:00.000Z') });
    expect(renewed.leafKeys.get('x/b')).toBe(before.get('x/b')); // renewed before its key was made: unchanged
    expect(renewed.leafKeys.get('x/c')).toBe(before.get('x/c'));
    expect(renewed.leafKeys.has('gone/node')).toBe(false);
    expect(renewed.leafKeys.size).toBe(3);
    expect(bundle.leafKeys).toEqual(before);
    expect(bundle.leafKeys.get('x/a')!.createdAt).toEqual(new Date('2026-01-01T00:00:00.000Z'));
  });

  test('a renewal at the very time of the key changes nothing; no renewals give the bundle itself', () => {
    const bundle = bundleWith({ 'x/a': leaf('2026-01-01T00:00:00.000Z') });
    const original = bundle.leafKeys.get('x/a');
    expect(withLeafRenewals(bundle, [{ renewedAt: new Date('2026-01-01T00:00:00.000Z'), names: ['x/a'] }]).leafKeys.get('x/a')).toBe(original);
    expect(withLeafRenewals(bundle, [])).toBe(bundle);
  });
});

describe('bundleState: a prefix of the core files is an interrupted creation, anything else a bundle', () => {
  const files = (names: readonly string[]) => new Map(names.map((n) => [n, 'x']));
  test('absent, incomplete, present', () => {
    expect(CORE_FILES).toEqual(['bundle.json', 'ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd-ca.crt', 'etcd-ca.key', 'sa.key', 'sa.pub']);
    expect(bundleState(undefined, false)).toBe('absent');
    expect(bundleState(new Map(), false)).toBe('absent');
    expect(bundleState(new Map(), true)).toBe('absent');
    for (let n = 1; n < CORE_FILES.length; n++) {
      expect(bundleState(files(CORE_FILES.slice(0, n)), false), `first ${n}`).toBe('incomplete');
      expect(bundleState(files(CORE_FILES.slice(0, n)), true), `first ${n}, rendered`).toBe('present');
    }
    expect(bundleState(files(CORE_FILES), false)).toBe('present');
    expect(bundleState(files(CORE_FILES.slice(1, 3)), false)).toBe('present');
    expect(bundleState(files(['bundle.json', 'leaf/x.json']), false)).toBe('present');
    // As many files as the core but not the core: still a bundle (damaged ones are reported corrupt when loaded).
    expect(bundleState(files(CORE_FILES.map((n, i) => (i === 1 ? 'leaf/x.json' : n))), false)).toBe('present');
  });
});

describe('validity: dates from the bundle clock only', () => {
  test('a CA: backdated 5 minutes, valid for its days from now', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    expect(BACKDATE_MS).toBe(5 * 60_000);
    expect(caValidity(now, 3650)).toEqual({ notBefore: new Date('2025-12-31T23:55:00.000Z'), notAfter: new Date(now.getTime() + 3650 * DAY) });
  });

  test('a leaf: backdated from its key, its days from the backdate, never past the CA', () => {
    const key = new Date('2026-03-01T00:00:00.000Z');
    const caNotAfter = new Date('2027-01-01T00:00:00.000Z');
    const nb = new Date('2026-02-28T23:55:00.000Z');
    expect(leafValidity(key, 10, caNotAfter)).toEqual({ notBefore: nb, notAfter: new Date(nb.getTime() + 10 * DAY) });
    expect(leafValidity(key, 365, caNotAfter)).toEqual({ notBefore: nb, notAfter: caNotAfter });
  });
});

describe('serials: 16 bytes, positive, second-highest bit set', () => {
  const shape = (hex: string) => {
    expect(hex).toMatch(/^[0-9a-f]{32}$/);
    const first = parseInt(hex.slice(0, 2), 16);
    expect(first & 0x80).toBe(0);
    expect(first & 0x40).toBe(0x40);
  };

  test('random serials have the shape, and differ', () => {
    const serials = Array.from({ length: 64 }, randomSerial);
    serials.forEach(shape);
    expect(new Set(serials).size).toBe(64);
    // The 6 low bits of the first byte stay random (only the top two are fixed).
    expect(new Set(serials.map((s) => s.slice(0, 2))).size).toBeGreaterThan(8);
  });

  test('a derived serial is sha256 of [domain, bundle, name, content], first 16 bytes, top bits fixed', () => {
    const expected = (...parts: unknown[]) => {
      const d = createHash('sha256').update(JSON.stringify(['kspray/leaf-serial/v1', ...parts])).digest().subarray(0, 16);
      d[0] = (d[0]! & 0x7f) | 0x40;
      return d.toString('hex');
    };
    const s = derivedSerial('bundle-1', 'cp-1/apiserver', { sans: ['a'] });
    shape(s);
    expect(s).toBe(expected('bundle-1', 'cp-1/apiserver', { sans: ['a'] }));
    expect(derivedSerial('bundle-1', 'cp-1/apiserver', { sans: ['a'] })).toBe(s);
    expect(derivedSerial('bundle-2', 'cp-1/apiserver', { sans: ['a'] })).not.toBe(s);
    expect(derivedSerial('bundle-1', 'cp-2/apiserver', { sans: ['a'] })).not.toBe(s);
    expect(derivedSerial('bundle-1', 'cp-1/apiserver', { sans: ['b'] })).not.toBe(s);
  });
});

describe('PEM', () => {
  test('64-column base64, LF, trailing newline; read back to the same DER', () => {
    const der = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff));
    const pem = toPem('CERTIFICATE', der);
    const b64 = der.toString('base64');
    expect(pem).toBe(`-----BEGIN CERTIFICATE-----\n${b64.slice(0, 64)}\n${b64.slice(64, 128)}\n${b64.slice(128)}\n-----END CERTIFICATE-----\n`);
    expect(toPem('CERTIFICATE', new Uint8Array(der).buffer)).toBe(pem);
    expect(pemToDer(pem, 'CERTIFICATE')).toEqual(der);
    expect(pemToDer(pem.replaceAll('\n', '\r\n'), 'CERTIFICATE')).toEqual(der);
    expect(pemToDer(pem, 'PRIVATE KEY')).toBeUndefined();
    expect(pemToDer('no pem here', 'CERTIFICATE')).toBeUndefined();
  });

  test('empty DER is an empty armoured block', () => {
    expect(toPem('CERTIFICATE', Buffer.alloc(0))).toBe('-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n');
  });

  test('the first block of the label is read', () => {
    const a = toPem('CERTIFICATE', Buffer.from('first block'));
    const b = toPem('CERTIFICATE', Buffer.from('second block'));
    expect(pemToDer(`${a}${b}`, 'CERTIFICATE')!.toString()).toBe('first block');
    expect(pemToDer(`junk\n${toPem('PUBLIC KEY', Buffer.from('pk'))}${b}`, 'CERTIFICATE')!.toString()).toBe('second block');
  });
});

describe('random secrets (token.ts)', () => {
  test('bootstrap tokens are kubeadm format and use the whole alphabet', () => {
    const tokens = Array.from({ length: 100 }, newBootstrapToken);
    for (const t of tokens) expect(`${t.id}.${t.secret}`).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(new Set(tokens.flatMap((t) => [...t.id, ...t.secret])).size).toBe(36);
    expect(new Set(tokens.map((t) => t.secret)).size).toBe(100);
  });

  test('encryption keys: the canonical base64 of 32 random bytes, nothing else', () => {
    const key = newEncryptionKey();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(newEncryptionKey()).not.toBe(key);
    expect(isEncryptionKey(key)).toBe(true);
    expect(isEncryptionKey(key.replace(/=$/, ''))).toBe(false); // decodes to the same bytes, not canonical
    expect(isEncryptionKey(Buffer.alloc(31).toString('base64'))).toBe(false);
    expect(isEncryptionKey(Buffer.alloc(33).toString('base64'))).toBe(false);
    expect(isEncryptionKey(32)).toBe(false);
    expect(isEncryptionKey(undefined)).toBe(false);
  });
});

describe('algorithms', () => {
  test('only the five names are algorithms (not inherited properties)', () => {
    for (const a of ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096']) expect(isPkiAlgorithm(a), a).toBe(true);
    // ['RSA-2048'] would name the table's property (property keys are strings) without being one.
    for (const a of ['toString', 'constructor', '__proto__', 'DSA-1024', 'ecdsa-p256', 2048, undefined, ['RSA-2048']]) expect(isPkiAlgorithm(a), String(a)).toBe(false);
  });

  test('P-384 signs with SHA-384 as kubeadm does, everything else with SHA-256; node:crypto key kinds', () => {
    expect(algorithmParams('ECDSA-P256')).toEqual({ sign: { name: 'ECDSA', hash: 'SHA-256' }, nodeKey: { type: 'ec', namedCurve: 'prime256v1' } });
    expect(algorithmParams('ECDSA-P384')).toEqual({ sign: { name: 'ECDSA', hash: 'SHA-384' }, nodeKey: { type: 'ec', namedCurve: 'secp384r1' } });
    for (const [a, bits] of [['RSA-2048', 2048], ['RSA-3072', 3072], ['RSA-4096', 4096]] as const) {
      expect(algorithmParams(a)).toEqual({ sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, nodeKey: { type: 'rsa', modulusLength: bits } });
    }
  });
});
