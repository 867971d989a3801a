// The disk promises of src/io/files.ts checked in-process (the CLI-level invariants in this folder
// run the built module in child processes, which mutation testing cannot see into): exclusive
// creation, explicit modes under a hostile umask, atomic replacement, nothing left behind on failure.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExclusive, createFile, exists, readTextFile, readTree, writeOutputs } from '../../src/io/files.js';
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
