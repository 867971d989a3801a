// The disk promises of src/io/files.ts checked in-process (the CLI-level invariants in this folder
// run the built module in child processes, which mutation testing cannot see into): exclusive
// creation, explicit modes under a hostile umask, atomic replacement, nothing left behind on failure.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirectoryAtomically, createExclusive, createFile, exists, firstInvalidUtf8, readTextFile, readTree, setAside, writeOutputs } from '../../src/io/files.js';
import { KsprayError } from '../../src/errors/errors.js';

const modeOf = (p: string) => statSync(p).mode & 0o7777;
/**
 * Sets the umask where the runner allows it (vitest's forks; not worker threads, which mutation
 * testing uses: there the inherited 022 stays, and the 0666/0777 modes below still show a mode left
 * to the umask).
 */
function setUmask(mask: number): number | undefined {
  try {
    return process.umask(mask);
  } catch {
    return undefined;
  }
}
let dir: string;
let savedUmask: number | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kspray-io-'));
  savedUmask = setUmask(0o077); // would narrow 0644 to 0600 if a mode were left to the umask
});
afterEach(() => {
  if (savedUmask !== undefined) setUmask(savedUmask);
});

describe('writeOutputs', () => {
  it('creates files and directories with their explicit modes whatever the umask', () => {
    for (const umask of [0o077, 0o000, 0o222]) {
      setUmask(umask);
      const out = join(dir, `u${umask.toString(8)}`);
      writeOutputs(out, [
        { relPath: 'a/b/public.txt', content: 'public\n', mode: 0o644 },
        { relPath: 'shared.txt', content: 'rw for all\n', mode: 0o666 },
        { relPath: 'a/secret.conf', content: new Uint8Array([1, 2, 3]), mode: 0o600 },
        { relPath: 'run.sh', content: '#!/bin/sh\n', mode: 0o755 },
      ]);
      expect(modeOf(join(out, 'a/b/public.txt'))).toBe(0o644);
      expect(modeOf(join(out, 'a/secret.conf'))).toBe(0o600);
      expect(modeOf(join(out, 'run.sh'))).toBe(0o755);
      expect(modeOf(join(out, 'shared.txt'))).toBe(0o666);
      for (const d of [out, join(out, 'a'), join(out, 'a/b')]) expect(modeOf(d), d).toBe(0o755);
      expect(readFileSync(join(out, 'a/secret.conf'))).toEqual(Buffer.from([1, 2, 3]));
    }
  });

  it('replaces an existing file by rename (new inode, new mode) and leaves no temp file', () => {
    writeFileSync(join(dir, 'f'), 'old', { mode: 0o666 });
    const before = statSync(join(dir, 'f')).ino;
    writeOutputs(dir, [{ relPath: 'f', content: 'new content', mode: 0o600 }]);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('new content');
    expect(statSync(join(dir, 'f')).ino).not.toBe(before);
    expect(modeOf(join(dir, 'f'))).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('leaves a directory in the way, and no temp file, when it cannot replace it', () => {
    mkdirSync(join(dir, 'taken'));
    expect(() => writeOutputs(dir, [{ relPath: 'taken', content: 'x', mode: 0o644 }])).toThrow();
    expect(statSync(join(dir, 'taken')).isDirectory()).toBe(true);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('does not change the mode of a directory that already existed', () => {
    mkdirSync(join(dir, 'mine'), { mode: 0o700 });
    writeOutputs(dir, [{ relPath: 'mine/x', content: 'x', mode: 0o644 }]);
    expect(modeOf(join(dir, 'mine'))).toBe(0o700);
  });
});

describe('createExclusive (the secrets bundle)', () => {
  it('creates the directory 0700 and each file with its mode', () => {
    setUmask(0o000);
    const secrets = join(dir, 'out', 'c', 'secrets');
    createExclusive(secrets, [
      { relPath: 'ca.key', content: 'KEY', mode: 0o600 },
      { relPath: 'leaf/cp-1.json', content: '{}', mode: 0o600 },
    ], 0o700);
    expect(modeOf(secrets)).toBe(0o700);
    expect(modeOf(join(secrets, 'leaf'))).toBe(0o700);
    expect(modeOf(join(secrets, 'ca.key'))).toBe(0o600);
    expect(modeOf(join(dir, 'out', 'c'))).toBe(0o755);
    expect(readFileSync(join(secrets, 'ca.key'), 'utf8')).toBe('KEY');
    expect(readdirSync(secrets).sort()).toEqual(['ca.key', 'leaf']);
  });

  it('refuses to replace an existing file, keeping its bytes and inode, and leaves no temp file', () => {
    const secrets = join(dir, 'secrets');
    createExclusive(secrets, [{ relPath: 'ca.key', content: 'ORIGINAL', mode: 0o600 }], 0o700);
    const ino = statSync(join(secrets, 'ca.key')).ino;
    let error: unknown;
    try {
      createExclusive(secrets, [{ relPath: 'ca.key', content: 'REPLACEMENT', mode: 0o600 }], 0o700);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KsprayError);
    expect((error as KsprayError).kind).toBe('failure');
    expect(JSON.stringify((error as KsprayError).problems)).toContain('ca.key');
    expect(readFileSync(join(secrets, 'ca.key'), 'utf8')).toBe('ORIGINAL');
    expect(statSync(join(secrets, 'ca.key')).ino).toBe(ino);
    expect(readdirSync(secrets)).toEqual(['ca.key']);
  });
});

describe('createFile (a starter or imported spec, a reset script)', () => {
  it('creates with its mode and refuses an existing file as bad input, leaving it', () => {
    createFile(join(dir, 'sub', 'cluster.yaml'), 'spec\n', 0o644);
    expect(modeOf(join(dir, 'sub', 'cluster.yaml'))).toBe(0o644);
    createFile(join(dir, 'sub', 'shared.yaml'), 'spec\n', 0o666);
    expect(modeOf(join(dir, 'sub', 'shared.yaml'))).toBe(0o666);
    let error: unknown;
    try {
      createFile(join(dir, 'sub', 'cluster.yaml'), 'other\n', 0o644);
    } catch (e) {
      error = e;
    }
    expect((error as KsprayError).kind).toBe('input');
    expect(readFileSync(join(dir, 'sub', 'cluster.yaml'), 'utf8')).toBe('spec\n');
    expect(readdirSync(join(dir, 'sub')).sort()).toEqual(['cluster.yaml', 'shared.yaml']);
  });
});

describe('reading', () => {
  it('readTree lists regular files by relative path in name order; undefined for a missing dir', () => {
    writeOutputs(dir, [
      { relPath: 'b.txt', content: 'B', mode: 0o644 },
      { relPath: 'a/z.txt', content: 'Z', mode: 0o644 },
      { relPath: 'a/y.txt', content: 'Y', mode: 0o644 },
    ]);
    expect([...readTree(dir)!]).toEqual([['a/y.txt', 'Y'], ['a/z.txt', 'Z'], ['b.txt', 'B']]);
    expect(readTree(join(dir, 'missing'))).toBeUndefined();
    expect(exists(join(dir, 'b.txt'))).toBe(true);
    expect(exists(join(dir, 'nope'))).toBe(false);
  });

  it('readTextFile reads UTF-8 and reports a missing file as bad input naming it', () => {
    writeFileSync(join(dir, 'spec.yaml'), 'ünï\n');
    expect(readTextFile(join(dir, 'spec.yaml'))).toBe('ünï\n');
    const missing = join(dir, 'missing.yaml');
    let error: unknown;
    try {
      readTextFile(missing);
    } catch (e) {
      error = e;
    }
    expect((error as KsprayError).kind).toBe('input');
    expect(JSON.stringify((error as KsprayError).problems)).toContain(missing);
    expect(JSON.stringify((error as KsprayError).problems)).toContain('ENOENT');
  });
});

describe('createDirectoryAtomically (a new secrets bundle)', () => {
  it('creates the whole directory with its modes, leaving nothing beside it', () => {
    setUmask(0o000);
    const secrets = join(dir, 'c', 'secrets');
    createDirectoryAtomically(secrets, [
      { relPath: 'bundle.json', content: '{}\n', mode: 0o600 },
      { relPath: 'leaf/cp-1__apiserver.json', content: '{"k":1}\n', mode: 0o600 },
    ], 0o700);
    expect(modeOf(secrets)).toBe(0o700);
    expect(modeOf(join(secrets, 'leaf'))).toBe(0o700);
    expect(modeOf(join(secrets, 'bundle.json'))).toBe(0o600);
    expect(modeOf(join(dir, 'c'))).toBe(0o755);
    expect([...readTree(secrets)!]).toEqual([['bundle.json', '{}\n'], ['leaf/cp-1__apiserver.json', '{"k":1}\n']]);
    expect(readdirSync(join(dir, 'c'))).toEqual(['secrets']);
  });

  it('never replaces an existing bundle: fails as a refused overwrite, the old files and inodes stay, no temp is left', () => {
    const secrets = join(dir, 'secrets');
    createDirectoryAtomically(secrets, [{ relPath: 'ca.key', content: 'FIRST', mode: 0o600 }], 0o700);
    const ino = statSync(join(secrets, 'ca.key')).ino;
    let error: unknown;
    try {
      createDirectoryAtomically(secrets, [{ relPath: 'ca.key', content: 'SECOND', mode: 0o600 }], 0o700);
    } catch (e) {
      error = e;
    }
    expect((error as KsprayError).kind).toBe('failure');
    expect(JSON.stringify((error as KsprayError).problems)).toContain(secrets);
    expect(readFileSync(join(secrets, 'ca.key'), 'utf8')).toBe('FIRST');
    expect(statSync(join(secrets, 'ca.key')).ino).toBe(ino);
    expect(readdirSync(dir)).toEqual(['secrets']);
  });

  it('setAside moves a directory out of the way, keeping it whole, and says where', () => {
    const secrets = join(dir, 'secrets');
    createDirectoryAtomically(secrets, [{ relPath: 'ca.key', content: 'KEEP', mode: 0o600 }], 0o700);
    const aside = setAside(secrets, 'incomplete');
    expect(aside.startsWith(`${secrets}.incomplete-`)).toBe(true);
    expect(exists(secrets)).toBe(false);
    expect(readFileSync(join(aside, 'ca.key'), 'utf8')).toBe('KEEP');
  });
});

describe('readTextFile on bad input', () => {
  it('reports a directory as bad input, and the first invalid UTF-8 byte at its line and column', () => {
    expect(() => readTextFile(dir)).toThrow(KsprayError);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('a: 1\nbé: '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
    let error: unknown;
    try {
      readTextFile(file);
    } catch (e) {
      error = e;
    }
    expect((error as KsprayError).kind).toBe('input');
    expect((error as KsprayError).problems[0]!.position).toEqual({ line: 2, col: 5 });
  });

  it('firstInvalidUtf8 accepts every well-formed sequence and finds the first bad byte (RFC 3629)', () => {
    expect(firstInvalidUtf8(Buffer.from('ascii é € 𝄞 \u{10FFFF}', 'utf8'))).toBe(-1);
    const bad: Array<[number[], number]> = [
      [[0x61, 0x80], 1], // lone continuation
      [[0xc0, 0xaf], 0], // overlong 2-byte
      [[0xc1, 0xbf], 0],
      [[0xe0, 0x80, 0xaf], 0], // overlong 3-byte
      [[0xed, 0xa0, 0x80], 0], // surrogate
      [[0xf0, 0x80, 0x80, 0xaf], 0], // overlong 4-byte
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0xf5, 0x80, 0x80, 0x80], 0],
      [[0x61, 0xe2, 0x82], 1], // truncated
      [[0xe2, 0x82, 0x41], 0], // bad continuation
      [[0xc3, 0xc3], 0],
      [[0xff], 0],
    ];
    for (const [bytes, at] of bad) expect(firstInvalidUtf8(Uint8Array.from(bytes)), bytes.map((b) => b.toString(16)).join(' ')).toBe(at);
    const good: number[][] = [[0xc2, 0x80], [0xdf, 0xbf], [0xe0, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xee, 0x80, 0x80], [0xef, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80], [0xf1, 0x80, 0x80, 0x80], [0xf3, 0xbf, 0xbf, 0xbf], [0xf4, 0x8f, 0xbf, 0xbf], [0x7f]];
    for (const bytes of good) expect(firstInvalidUtf8(Uint8Array.from(bytes)), bytes.map((b) => b.toString(16)).join(' ')).toBe(-1);
  });
});
