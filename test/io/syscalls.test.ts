// The durability and failure promises of src/io/files.ts, checked in-process by watching and
// failing the real syscalls it makes: node:fs's exports are swapped for recording wrappers and
// published to ES-module importers with syncBuiltinESMExports(), so files.ts calls them unchanged.
// What this proves that the CLI-level invariants (strace, ulimit -f, in child processes mutation
// testing cannot see into) prove from outside: every byte is written and fsynced before the rename
// or link that publishes it, the directory is fsynced after, a short write is finished or reported,
// a failure names what kspray was doing and the path, and leaves the previous file and no temp.
// A large batch swaps the fsyncs for two filesystem barriers (`sync -f`, a child process): its runs
// are recorded by wrapping child_process.spawnSync the same way, and the program it finds on PATH is
// either the real coreutils sync or a script of the test's standing in for one that fails.
import childProcess from 'node:child_process';
import fs, { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BARRIER_MIN_FILES, createDirectoryAtomically, createExclusive, createFile, readTextFile, readTree, setAside, writeOutputs, listDirectories, readBytesIfExists } from '../../src/io/files.js';
import { findSync } from '../../src/io/syncfs.js';
import { KsprayError } from '../../src/errors/errors.js';
import { haveTool, tool } from '../helpers/validators.js';

type FsName = 'writeSync' | 'fsyncSync' | 'renameSync' | 'linkSync' | 'openSync' | 'closeSync' | 'readdirSync' | 'readFileSync' | 'mkdirSync' | 'statSync';
const saved = new Map<FsName, unknown>();
const events: string[] = [];
const realSpawnSync = childProcess.spawnSync;
const realPath = process.env.PATH;

/** Replaces fs[name] for ES-module importers (files.ts) until the test ends. */
function intercept<K extends FsName>(name: K, wrap: (real: (typeof fs)[K]) => (typeof fs)[K]): void {
  if (!saved.has(name)) saved.set(name, fs[name]);
  (fs as Record<string, unknown>)[name] = wrap(saved.get(name) as (typeof fs)[K]);
  syncBuiltinESMExports();
}
const pathOfFd = (fd: number) => readlinkSync(`/proc/self/fd/${fd}`);
/** Records fsyncs (by path), renames and links, in order. */
function recordSyscalls(root: string): void {
  const rel = (p: string) => (p.startsWith(root) ? p.slice(root.length) || '/' : p);
  intercept('fsyncSync', (real) => (fd) => {
    events.push(`fsync ${rel(pathOfFd(fd))}`);
    return real(fd);
  });
  intercept('renameSync', (real) => (a, b) => {
    events.push(`rename ${rel(String(a))} -> ${rel(String(b))}`);
    return real(a, b);
  });
  intercept('linkSync', (real) => (a, b) => {
    events.push(`link ${rel(String(a))} -> ${rel(String(b))}`);
    return real(a, b);
  });
}
const errno = (code: string, n: number) => Object.assign(new Error(code), { code, errno: n });
/** The failure's one line (kind failure, exit 1). */
function failureOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KsprayError);
    expect((e as KsprayError).kind).toBe('failure');
    return (e as KsprayError).problems.map((p) => p.message).join('\n');
  }
  throw new Error('expected a failure');
}
const TEMP = /\.tmp-/;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kspray-syscalls-'));
  events.length = 0;
});
afterEach(() => {
  for (const [name, real] of saved) (fs as Record<string, unknown>)[name] = real;
  saved.clear();
  (childProcess as Record<string, unknown>).spawnSync = realSpawnSync;
  process.env.PATH = realPath;
  syncBuiltinESMExports();
  rmSync(dir, { recursive: true, force: true });
});

describe('durability: fsync before publishing, the directory after', () => {
  it('writeOutputs fsyncs every temp before any rename, then each directory it renamed into', () => {
    recordSyscalls(dir);
    writeOutputs(dir, [
      { relPath: 'b/two', content: 'two', mode: 0o644 },
      { relPath: 'one', content: 'one', mode: 0o600 },
    ]);
    const temps = events.filter((e) => /^fsync .*\.tmp-/.test(e));
    expect(temps.map((e) => e.replace(/\.tmp-.*$/, ''))).toEqual(['fsync /b/two', 'fsync /one']);
    const renames = events.filter((e) => e.startsWith('rename'));
    expect(renames.map((e) => e.replace(/\.tmp-\S+/, '.tmp'))).toEqual(['rename /b/two.tmp -> /b/two', 'rename /one.tmp -> /one']);
    // Both files complete and synced before the first rename; both directories synced after the last.
    const firstRename = events.findIndex((e) => e.startsWith('rename'));
    const lastRename = events.length - 1 - [...events].reverse().findIndex((e) => e.startsWith('rename'));
    expect(events.slice(0, firstRename).filter((e) => TEMP.test(e))).toHaveLength(2);
    expect(events.slice(lastRename + 1)).toEqual(['fsync /', 'fsync /b']);
  });

  it('createExclusive fsyncs each file before linking it, then its directory', () => {
    recordSyscalls(dir);
    createExclusive(join(dir, 's'), [{ relPath: 'k/ca.key', content: 'KEY', mode: 0o600 }], 0o700);
    expect(events.map((e) => e.replace(/\.tmp-\S+/, '.tmp'))).toEqual(['fsync /s/k/ca.key.tmp', 'link /s/k/ca.key.tmp -> /s/k/ca.key', 'fsync /s/k']);
  });

  it('createDirectoryAtomically fsyncs every file and directory inside before the rename, then the parent', () => {
    recordSyscalls(dir);
    createDirectoryAtomically(join(dir, 'secrets'), [
      { relPath: 'a.json', content: '{}', mode: 0o600 },
      { relPath: 'leaf/b.json', content: '{}', mode: 0o600 },
    ], 0o700);
    const norm = events.map((e) => e.replace(/secrets\.tmp-[^/\s]+/g, 'T'));
    expect(norm).toEqual(['fsync /T/a.json', 'fsync /T/leaf/b.json', 'fsync /T/leaf', 'fsync /T', 'rename /T -> /secrets', 'fsync /']);
  });

  it('setAside and createFile make their rename and link durable too', () => {
    createDirectoryAtomically(join(dir, 'secrets'), [{ relPath: 'a', content: 'A', mode: 0o600 }], 0o700);
    recordSyscalls(dir);
    setAside(join(dir, 'secrets'), 'incomplete');
    expect(events.map((e) => e.replace(/incomplete-[0-9a-f]{8}/, 'incomplete-X'))).toEqual(['rename /secrets -> /secrets.incomplete-X', 'fsync /']);
    events.length = 0;
    createFile(join(dir, 'cluster.yaml'), 'spec', 0o644);
    expect(events.map((e) => e.replace(/\.tmp-\S+/, '.tmp'))).toEqual(['fsync /cluster.yaml.tmp', 'link /cluster.yaml.tmp -> /cluster.yaml']);
  });

  it('tolerates a filesystem that refuses fsync on directories, but reports any other fsync error', () => {
    for (const code of [['EINVAL', -22], ['EISDIR', -21], ['EBADF', -9]] as const) {
      intercept('fsyncSync', (real) => (fd) => (fs.fstatSync(fd).isDirectory() ? (() => { throw errno(code[0], code[1]); })() : real(fd)));
      writeOutputs(join(dir, code[0]), [{ relPath: 'f', content: 'x', mode: 0o644 }]);
      expect(readFileSync(join(dir, code[0], 'f'), 'utf8')).toBe('x');
    }
    intercept('fsyncSync', (real) => (fd) => (fs.fstatSync(fd).isDirectory() ? (() => { throw errno('EIO', -5); })() : real(fd)));
    expect(failureOf(() => writeOutputs(join(dir, 'eio'), [{ relPath: 'f', content: 'x', mode: 0o644 }]))).toBe(`cannot sync ${join(dir, 'eio')}: i/o error (EIO)`);
    // Not an errno at all (a bug, not the disk): reported, never swallowed.
    intercept('fsyncSync', (real) => (fd) => (fs.fstatSync(fd).isDirectory() ? (() => { throw new Error('boom'); })() : real(fd)));
    expect(failureOf(() => writeOutputs(join(dir, 'odd'), [{ relPath: 'f', content: 'x', mode: 0o644 }]))).toContain(`cannot sync ${join(dir, 'odd')}`);
  });
});

describe('short writes and failures', () => {
  it('finishes a file whose writes come back short (a nearly full disk), byte for byte', () => {
    const content = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    // A disk that takes at most 7 bytes per write(2), for both of writeSync's forms.
    intercept('writeSync', (real) => ((fd: number, buf: Uint8Array | string, off: number, len: number) =>
      typeof buf === 'string' ? real(fd, Buffer.from(buf).subarray(0, 7), 0, 7, off) : real(fd, buf, off, Math.min(len, 7))) as typeof fs.writeSync);
    writeOutputs(dir, [{ relPath: 'big', content, mode: 0o644 }, { relPath: 'text', content: 'é'.repeat(50), mode: 0o644 }]);
    expect(readFileSync(join(dir, 'big'))).toEqual(content);
    expect(readFileSync(join(dir, 'text'), 'utf8')).toBe('é'.repeat(50));
  });

  it('a write that makes no progress fails as an i/o error naming the target; the old file stays and no temp is left', () => {
    writeFileSync(join(dir, 'f'), 'old');
    intercept('writeSync', () => (() => 0) as typeof fs.writeSync);
    expect(failureOf(() => writeOutputs(dir, [{ relPath: 'f', content: 'new', mode: 0o644 }]))).toBe(`cannot write ${join(dir, 'f')}: i/o error (EIO)`);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('a full disk while staging leaves every previous output as it was (nothing renamed)', () => {
    writeFileSync(join(dir, 'a'), 'old a');
    writeFileSync(join(dir, 'b'), 'old b');
    let writes = 0;
    intercept('writeSync', (real) => ((fd: number, buf: Uint8Array, off: number, len: number) => {
      if (++writes === 2) throw errno('ENOSPC', -28);
      return real(fd, buf, off, len);
    }) as typeof fs.writeSync);
    expect(failureOf(() => writeOutputs(dir, [{ relPath: 'a', content: 'new a', mode: 0o644 }, { relPath: 'b', content: 'new b', mode: 0o644 }]))).toBe(
      `cannot write ${join(dir, 'b')}: no space left on device (ENOSPC)`,
    );
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('old a');
    expect(readdirSync(dir).sort()).toEqual(['a', 'b']);
  });

  it('a rename that fails names the target and removes every staged temp', () => {
    intercept('renameSync', () => () => {
      throw errno('EXDEV', -18);
    });
    expect(failureOf(() => writeOutputs(dir, [{ relPath: 'x', content: 'x', mode: 0o644 }, { relPath: 'y', content: 'y', mode: 0o644 }]))).toBe(
      `cannot rename ${join(dir, 'x')}: cross-device link not permitted (EXDEV)`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a link that fails for another reason than an existing file is a filesystem failure, not a refused overwrite', () => {
    intercept('linkSync', () => () => {
      throw errno('EPERM', -1);
    });
    const target = join(dir, 's', 'ca.key');
    expect(failureOf(() => createExclusive(join(dir, 's'), [{ relPath: 'ca.key', content: 'K', mode: 0o600 }], 0o700))).toBe(`cannot create ${target}: operation not permitted (EPERM)`);
    expect(readdirSync(join(dir, 's'))).toEqual([]);
    expect(failureOf(() => createFile(join(dir, 'c.yaml'), 'x', 0o644))).toBe(`cannot create ${join(dir, 'c.yaml')}: operation not permitted (EPERM)`);
    expect(readdirSync(dir)).toEqual(['s']);
  });

  it('a new bundle whose rename fails otherwise than "exists" is a filesystem failure, and its temp directory is removed', () => {
    intercept('renameSync', () => () => {
      throw errno('EXDEV', -18);
    });
    expect(failureOf(() => createDirectoryAtomically(join(dir, 'secrets'), [{ relPath: 'a', content: 'A', mode: 0o600 }], 0o700))).toBe(
      `cannot rename ${join(dir, 'secrets')}: cross-device link not permitted (EXDEV)`,
    );
    expect(readdirSync(dir)).toEqual([]);
    // rename(2) onto a non-empty directory may say EEXIST as well as ENOTEMPTY: both are a refused overwrite.
    for (const code of [['EEXIST', -17], ['ENOTEMPTY', -39]] as const) {
      intercept('renameSync', () => () => {
        throw errno(code[0], code[1]);
      });
      const msg = failureOf(() => createDirectoryAtomically(join(dir, 'secrets'), [{ relPath: 'a', content: 'A', mode: 0o600 }], 0o700));
      expect(msg).toBe(`refusing to overwrite ${join(dir, 'secrets')} (${code[0]})`);
    }
  });

  it('the directory for an output cannot be made (a file in the way): "cannot create directory", naming it', () => {
    writeFileSync(join(dir, 'blocker'), 'file');
    expect(failureOf(() => writeOutputs(dir, [{ relPath: 'blocker/x', content: 'x', mode: 0o644 }]))).toMatch(new RegExp(`^cannot create directory ${join(dir, 'blocker')}: `));
    expect(failureOf(() => createExclusive(join(dir, 'blocker', 's'), [], 0o700))).toMatch(/^cannot create directory /);
  });

  it('reading: a listing or a read that fails names the path and what was being done', () => {
    writeFileSync(join(dir, 'file'), 'x');
    expect(failureOf(() => readTree(join(dir, 'file')))).toBe(`cannot list ${join(dir, 'file')}: not a directory (ENOTDIR)`);
    expect(failureOf(() => listDirectories(join(dir, 'file')))).toBe(`cannot list ${join(dir, 'file')}: not a directory (ENOTDIR)`);
    intercept('readFileSync', (real) => ((p: fs.PathOrFileDescriptor, o?: unknown) => {
      if (basename(String(p)) === 'file') throw errno('EIO', -5);
      return (real as (p: fs.PathOrFileDescriptor, o?: unknown) => unknown)(p, o);
    }) as typeof fs.readFileSync);
    expect(failureOf(() => readTree(dir))).toBe(`cannot read ${join(dir, 'file')}: i/o error (EIO)`);
    expect(failureOf(() => readBytesIfExists(join(dir, 'file')))).toBe(`cannot read ${join(dir, 'file')}: i/o error (EIO)`);
  });

  it('a directory that cannot be made under a forbidden or read-only parent reports the real errno, not Node\'s ENOENT', () => {
    // Node's recursive mkdir says ENOENT for a parent it may not write into; the first missing level alone says why.
    intercept('mkdirSync', (real) => ((p: fs.PathLike, o?: fs.MakeDirectoryOptions) => {
      if (String(p).startsWith(join(dir, 'ro'))) throw o?.recursive ? errno('ENOENT', -2) : errno('EROFS', -30);
      return real(p, o);
    }) as typeof fs.mkdirSync);
    expect(failureOf(() => writeOutputs(join(dir, 'ro', 'a', 'b'), [{ relPath: 'f', content: 'x', mode: 0o644 }]))).toBe(
      `cannot create directory ${join(dir, 'ro', 'a', 'b')}: read-only file system (EROFS)`,
    );
    // A recursive mkdir that fails for another reason is reported as it is.
    intercept('mkdirSync', () => (() => {
      throw errno('ENOSPC', -28);
    }) as typeof fs.mkdirSync);
    expect(failureOf(() => writeOutputs(join(dir, 'full'), [{ relPath: 'f', content: 'x', mode: 0o644 }]))).toBe(`cannot create directory ${join(dir, 'full')}: no space left on device (ENOSPC)`);
  });

  it('readTextFile: a missing file or a directory is bad input (exit 2); any other read error is a failure naming the errno', () => {
    let error: unknown;
    try {
      readTextFile(dir);
    } catch (e) {
      error = e;
    }
    expect((error as KsprayError).kind).toBe('input');
    expect((error as KsprayError).problems[0]!.message).toBe(`cannot read ${dir} (EISDIR)`);
    writeFileSync(join(dir, 'spec.yaml'), 'a: 1\n');
    intercept('readFileSync', () => (() => {
      throw errno('EIO', -5);
    }) as typeof fs.readFileSync);
    expect(failureOf(() => readTextFile(join(dir, 'spec.yaml')))).toBe(`cannot read ${join(dir, 'spec.yaml')}: i/o error (EIO)`);
  });
});

describe('modes are set, never left to the umask', () => {
  // A umask of 077 emulated on mkdir(2) and open(2) (a worker thread cannot set the real one).
  function hostileUmask(): void {
    intercept('mkdirSync', (real) => ((p: fs.PathLike, o?: fs.MakeDirectoryOptions) => real(p, { ...o, mode: (Number(o?.mode ?? 0o777)) & 0o700 })) as typeof fs.mkdirSync);
    intercept('openSync', (real) => ((p: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => real(p, flags, mode === undefined ? mode : Number(mode) & 0o700)) as typeof fs.openSync);
  }
  const modeOf = (p: string) => fs.statSync(p).mode & 0o7777;

  it('writeOutputs: every directory it creates is 0755 and every file has its mode; an existing directory keeps its own', () => {
    mkdirSync(join(dir, 'mine'), { mode: 0o711 });
    fs.chmodSync(join(dir, 'mine'), 0o711);
    hostileUmask();
    writeOutputs(join(dir, 'mine'), [{ relPath: 'x/y/f', content: 'f', mode: 0o644 }, { relPath: 'g', content: 'g', mode: 0o666 }]);
    expect(modeOf(join(dir, 'mine'))).toBe(0o711);
    expect([modeOf(join(dir, 'mine/x')), modeOf(join(dir, 'mine/x/y'))]).toEqual([0o755, 0o755]);
    expect([modeOf(join(dir, 'mine/x/y/f')), modeOf(join(dir, 'mine/g'))]).toEqual([0o644, 0o666]);
    expect(modeOf(dir)).toBe(0o700); // mkdtemp's, above what writeOutputs created: untouched
  });

  it('createExclusive and createDirectoryAtomically give their directories the bundle mode, an existing bundle directory too', () => {
    mkdirSync(join(dir, 'old'), { mode: 0o755 });
    hostileUmask();
    createExclusive(join(dir, 'old'), [{ relPath: 'k/a.key', content: 'A', mode: 0o640 }], 0o750);
    expect([modeOf(join(dir, 'old')), modeOf(join(dir, 'old/k')), modeOf(join(dir, 'old/k/a.key'))]).toEqual([0o750, 0o750, 0o640]);
    createDirectoryAtomically(join(dir, 'new', 'secrets'), [{ relPath: 'l/b.json', content: 'B', mode: 0o640 }], 0o750);
    expect([modeOf(join(dir, 'new')), modeOf(join(dir, 'new/secrets')), modeOf(join(dir, 'new/secrets/l')), modeOf(join(dir, 'new/secrets/l/b.json'))]).toEqual([0o755, 0o750, 0o750, 0o640]);
    createFile(join(dir, 'new', 'cluster.yaml'), 'x', 0o644);
    expect(modeOf(join(dir, 'new', 'cluster.yaml'))).toBe(0o644);
  });
});

describe('resources and exact refusals', () => {
  it('closes every file and directory it opens, on success and on failure', () => {
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      writeOutputs(join(dir, 'w'), [{ relPath: `f${i}`, content: `${i}`, mode: 0o644 }]);
      createExclusive(join(dir, 'x'), [{ relPath: `k${i}`, content: 'k', mode: 0o600 }], 0o700);
    }
    intercept('writeSync', () => (() => 0) as typeof fs.writeSync);
    for (let i = 0; i < 20; i++) expect(() => writeOutputs(join(dir, 'w'), [{ relPath: `f${i}`, content: 'new', mode: 0o644 }])).toThrow(KsprayError);
    expect(open()).toBe(before);
  });

  it('says exactly what it refused to overwrite', () => {
    createFile(join(dir, 'c.yaml'), 'x', 0o644);
    let error: unknown;
    try {
      createFile(join(dir, 'c.yaml'), 'y', 0o644);
    } catch (e) {
      error = e;
    }
    expect((error as KsprayError).problems.map((p) => p.message)).toEqual([`${join(dir, 'c.yaml')} already exists`]);
    createExclusive(join(dir, 's'), [{ relPath: 'ca.key', content: 'K', mode: 0o600 }], 0o700);
    expect(failureOf(() => createExclusive(join(dir, 's'), [{ relPath: 'ca.key', content: 'L', mode: 0o600 }], 0o700))).toBe(`refusing to overwrite ${join(dir, 's', 'ca.key')} (EEXIST)`);
  });

  it('a full disk while writing a new bundle names the file it was writing, and leaves no bundle', () => {
    intercept('writeSync', () => () => {
      throw errno('ENOSPC', -28);
    });
    expect(failureOf(() => createDirectoryAtomically(join(dir, 'secrets'), [{ relPath: 'l/b.json', content: 'B', mode: 0o600 }], 0o700))).toBe(
      `cannot write ${join(dir, 'secrets', 'l', 'b.json')}: no space left on device (ENOSPC)`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('readTree orders by name whatever order the directory lists them in', () => {
    for (const n of ['a', 'c', 'b']) writeFileSync(join(dir, n), n);
    intercept('readdirSync', (real) => ((p: fs.PathLike, o?: unknown) => (real as (p: fs.PathLike, o?: unknown) => unknown[])(p, o).reverse()) as typeof fs.readdirSync);
    expect([...readTree(dir)!.keys()]).toEqual(['a', 'b', 'c']);
  });
});

describe('reading back', () => {
  it('readTree skips temps and non-files, in byte order of names at every level', () => {
    mkdirSync(join(dir, 'B'));
    writeFileSync(join(dir, 'B', 'z'), 'z');
    writeFileSync(join(dir, 'a'), 'a');
    writeFileSync(join(dir, 'Z'), 'Z');
    writeFileSync(join(dir, `a.tmp-${process.pid}-0123abcd`), 'temp');
    fs.symlinkSync('a', join(dir, 'link'));
    expect([...readTree(dir)!.keys()]).toEqual(['B/z', 'Z', 'a']);
  });

  it('listDirectories lists only directories, sorted; none for a missing dir', () => {
    for (const d of ['zeta', 'alpha', 'Mid']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'file'), 'x');
    expect(listDirectories(dir)).toEqual(['Mid', 'alpha', 'zeta']);
    expect(listDirectories(join(dir, 'missing'))).toEqual([]);
    expect(readBytesIfExists(join(dir, 'missing'))).toBeUndefined();
    expect(readBytesIfExists(join(dir, 'file'))).toEqual(Buffer.from('x'));
  });

  it('a warm rewrite with the same bytes and mode writes nothing; a changed mode or size is rewritten', () => {
    const files = [{ relPath: 'f', content: 'same', mode: 0o644 }];
    expect(writeOutputs(dir, files)).toEqual({ written: 1, unchanged: 0 });
    recordSyscalls(dir);
    expect(writeOutputs(dir, files)).toEqual({ written: 0, unchanged: 1 });
    expect(events).toEqual([]);
    expect(writeOutputs(dir, [{ relPath: 'f', content: 'same', mode: 0o600 }])).toEqual({ written: 1, unchanged: 0 });
    expect(writeOutputs(dir, [{ relPath: 'f', content: 'same!', mode: 0o600 }])).toEqual({ written: 1, unchanged: 0 });
    expect(writeOutputs(dir, [{ relPath: 'f', content: 'SAME!', mode: 0o600 }])).toEqual({ written: 1, unchanged: 0 });
    expect(writeOutputs(dir, [{ relPath: 'f', content: Buffer.from('SAME!'), mode: 0o600 }])).toEqual({ written: 0, unchanged: 1 });
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('SAME!');
  });

  it('makes each directory once, not once per file, and compares no file in a directory it has just made', () => {
    // Issue 18: at 1,000 nodes a cold render made every node's directory three times and looked for a
    // previous copy of each of its files.
    const mkdirs: string[] = [];
    const stats: string[] = [];
    intercept('mkdirSync', (real) => ((p: fs.PathLike, o?: fs.MakeDirectoryOptions) => (mkdirs.push(String(p).slice(dir.length)), real(p, o))) as typeof fs.mkdirSync);
    intercept('statSync', (real) => ((p: fs.PathLike, o?: fs.StatSyncOptions) => (stats.push(String(p).slice(dir.length)), real(p, o))) as typeof fs.statSync);
    const files = ['a/1', 'a/2', 'a/3', 'b/1', 'b/2', 'top'].map((relPath) => ({ relPath, content: relPath, mode: 0o644 }));
    expect(writeOutputs(dir, files)).toEqual({ written: 6, unchanged: 0 });
    expect(mkdirs).toEqual(['/a', '/b', '']);
    // Only the outputs directory itself existed: the one file in it is compared, none in a/ or b/.
    expect(stats.filter((p) => /\/(a|b|top)/.test(p))).toEqual(['/top']);
    // A warm render compares every file (and writes none).
    stats.length = 0;
    expect(writeOutputs(dir, files)).toEqual({ written: 0, unchanged: 6 });
    expect(stats.filter((p) => /\/(a|b|top)/.test(p)).sort()).toEqual(['/a/1', '/a/2', '/a/3', '/b/1', '/b/2', '/top']);
  });
});

describe('a large batch: two filesystem barriers in place of the fsyncs', () => {
  /** `n` outputs two to a directory, each one's own content. */
  const batch = (n: number, prefix = '') => Array.from({ length: n }, (_, i) => ({ relPath: `n${Math.floor(i / 2)}/f${i}`, content: `${prefix}${i}`, mode: 0o644 }));
  /** Also records each close of a temp and each program run (the barrier), which runs for real. */
  function recordAll(root: string): void {
    const rel = (p: string) => (p.startsWith(root) ? p.slice(root.length) || '/' : p);
    recordSyscalls(root);
    intercept('closeSync', (real) => (fd) => {
      const p = pathOfFd(fd);
      if (TEMP.test(p)) events.push(`close ${rel(p)}`);
      return real(fd);
    });
    (childProcess as Record<string, unknown>).spawnSync = ((bin: string, args: string[], o: childProcess.SpawnSyncOptions) => {
      events.push(`barrier ${basename(bin)} ${args.map(rel).join(' ')}`);
      const r = realSpawnSync(bin, args, o);
      events.push(`barrier returned ${r.status ?? r.signal}`);
      return r;
    }) as typeof childProcess.spawnSync;
    syncBuiltinESMExports();
  }
  /** A `sync` of the test's own, alone on PATH: a shell script running `body` (its arguments: -f -- DIR…). */
  function fakeSync(body: string): void {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'sync'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    process.env.PATH = bin;
  }
  const at = (re: RegExp) => events.findIndex((e) => re.test(e));
  /** Index of the last matching event, -1 when none. */
  const lastAt = (re: RegExp) => events.reduce((last, e, i) => (re.test(e) ? i : last), -1);

  it.runIf(haveTool('sync'))('writes and closes every temp, then syncs the filesystem, then renames, then syncs it again; no fsync (the real sync -f)', () => {
    process.env.PATH = dirname(tool('sync'));
    const out = join(dir, 'out');
    recordAll(dir);
    const files = batch(70);
    expect(writeOutputs(out, files)).toEqual({ written: 70, unchanged: 0 });
    expect(events.filter((e) => e.startsWith('barrier'))).toEqual(['barrier sync -f -- /out/n0', 'barrier returned 0', 'barrier sync -f -- /out/n0', 'barrier returned 0']);
    expect(events.filter((e) => e.startsWith('fsync'))).toEqual([]);
    const [first, second] = [at(/^barrier sync/), lastAt(/^barrier sync/)];
    // Every temp written and closed before the first barrier; no rename before it returned; the second after the last rename.
    expect(events.slice(0, first).filter((e) => e.startsWith('close'))).toHaveLength(70);
    expect(at(/^rename/)).toBeGreaterThan(at(/^barrier returned/));
    expect(second).toBeGreaterThan(lastAt(/^rename/));
    expect(events.filter((e) => e.startsWith('rename'))).toHaveLength(70);
    for (const f of files) expect(readFileSync(join(out, f.relPath), 'utf8')).toBe(f.content);
    expect(readdirSync(join(out, 'n0')).sort()).toEqual(['f0', 'f1']);
  });

  it.runIf(haveTool('sync'))(`fsyncs file by file below ${BARRIER_MIN_FILES} files, and below that many changed ones in a larger batch`, () => {
    process.env.PATH = dirname(tool('sync'));
    recordAll(dir);
    writeOutputs(join(dir, 'small'), batch(BARRIER_MIN_FILES - 1));
    expect(events.filter((e) => e.startsWith('barrier'))).toEqual([]);
    expect(events.filter((e) => /^fsync .*\.tmp-/.test(e))).toHaveLength(BARRIER_MIN_FILES - 1);
    events.length = 0;
    writeOutputs(join(dir, 'large'), batch(BARRIER_MIN_FILES));
    expect(events.filter((e) => e.startsWith('barrier sync'))).toHaveLength(2);
    expect(events.filter((e) => e.startsWith('fsync'))).toEqual([]);
    // A warm render that changes one file of a large batch: no barrier; that temp, written unsynced (the
    // batch was large), is reopened and fsynced before its rename.
    events.length = 0;
    const changed = batch(BARRIER_MIN_FILES).map((f, i) => (i === 5 ? { ...f, content: 'changed' } : f));
    expect(writeOutputs(join(dir, 'large'), changed)).toEqual({ written: 1, unchanged: BARRIER_MIN_FILES - 1 });
    expect(events.map((e) => e.replace(/\.tmp-\S+/, '.tmp'))).toEqual(['close /large/n2/f5.tmp', 'fsync /large/n2/f5.tmp', 'close /large/n2/f5.tmp', 'rename /large/n2/f5.tmp -> /large/n2/f5', 'fsync /large/n2']);
  });

  it('a barrier that cannot run (no sync, no -f, killed) falls back to an fsync of every temp before any rename, and of each directory after', () => {
    const cases: Array<[string, string | undefined, string[]]> = [
      ['no sync on PATH', undefined, []],
      ['a sync without -f', `echo "sync: invalid option -- 'f'" >&2; exit 1`, ['barrier sync -f -- /out/n0', 'barrier returned 1']],
      ['a killed sync', 'kill -KILL $$', ['barrier sync -f -- /out/n0', 'barrier returned SIGKILL']],
      ['a syncfs error that says nothing of the data', `echo "sync: error syncing '$3': Function not implemented" >&2; exit 1`, ['barrier sync -f -- /out/n0', 'barrier returned 1']],
    ];
    for (const [name, body, barriers] of cases) {
      rmSync(join(dir, 'out'), { recursive: true, force: true });
      rmSync(join(dir, 'bin'), { recursive: true, force: true });
      if (body === undefined) process.env.PATH = join(dir, 'nowhere');
      else fakeSync(body);
      recordAll(dir);
      events.length = 0;
      writeOutputs(join(dir, 'out'), batch(70));
      expect(events.filter((e) => e.startsWith('barrier')), name).toEqual(barriers);
      const firstRename = at(/^rename/);
      const synced = events.slice(0, firstRename).filter((e) => /^fsync .*\.tmp-/.test(e));
      expect(synced, name).toHaveLength(70);
      expect(at(/^fsync .*\.tmp-/), name).toBeGreaterThan(lastAt(/^barrier returned/));
      // …and no barrier after the renames: the 35 directories are fsynced instead.
      expect(events.slice(lastAt(/^rename/) + 1), name).toEqual(Array.from({ length: 35 }, (_, i) => `fsync /out/n${i}`).sort());
      expect(readFileSync(join(dir, 'out', 'n34', 'f69'), 'utf8')).toBe('69');
    }
  });

  it('a writeback error the first barrier reports is a write failure: nothing renamed, no temp left, the errno in words', () => {
    const out = join(dir, 'out');
    writeOutputs(out, batch(70, 'old '));
    for (const [text, words, hint] of [
      ['Input/output error', 'i/o error (EIO)', undefined],
      ['No space left on device', 'no space left on device (ENOSPC)', /^Free some space/],
      // libuv has no words for EDQUOT: its name is what any EDQUOT failure shows (errnoInWords).
      ['Disk quota exceeded', 'EDQUOT', /^Free some space/],
    ] as const) {
      fakeSync(`echo "sync: error syncing '$3': ${text}" >&2; exit 1`);
      let error: unknown;
      try {
        writeOutputs(out, batch(70, 'new '));
      } catch (e) {
        error = e;
      }
      expect((error as KsprayError).kind).toBe('failure');
      expect((error as KsprayError).problems.map((p) => p.message)).toEqual([`cannot sync ${join(out, 'n0')}: ${words}`]);
      if (hint) expect((error as KsprayError).problems[0]!.hint).toMatch(hint);
      expect(readFileSync(join(out, 'n34', 'f69'), 'utf8')).toBe('old 69');
      expect(readdirSync(join(out, 'n7')).sort()).toEqual(['f14', 'f15']);
    }
  });

  it('after the renames: a writeback error is a failure to sync; a barrier that cannot run is replaced by the directory fsyncs', () => {
    const out = join(dir, 'out');
    // The first run succeeds (without syncing: the order is what is checked here), the second fails.
    fakeSync(`if [ -e "$0.ran" ]; then echo "sync: error syncing '$3': Input/output error" >&2; exit 1; fi; : > "$0.ran"`);
    expect(failureOf(() => writeOutputs(out, batch(70)))).toBe(`cannot sync ${join(out, 'n0')}: i/o error (EIO)`);
    // The renames had happened: the new files are in place (a sync error after them cannot undo them).
    expect(readFileSync(join(out, 'n34', 'f69'), 'utf8')).toBe('69');
    rmSync(join(dir, 'bin'), { recursive: true });
    fakeSync(`if [ -e "$0.ran" ]; then kill -KILL $$; fi; : > "$0.ran"`);
    recordAll(dir);
    writeOutputs(out, batch(70, 'again '));
    expect(events.filter((e) => e.startsWith('barrier returned'))).toEqual(['barrier returned 0', 'barrier returned SIGKILL']);
    expect(events.filter((e) => /^fsync .*\.tmp-/.test(e))).toEqual([]);
    expect(events.slice(lastAt(/^barrier returned/) + 1)).toEqual(Array.from({ length: 35 }, (_, i) => `fsync /out/n${i}`).sort());
  });

  it.runIf(haveTool('sync'))('syncs each filesystem the outputs are on, once (a directory of them on another mount)', () => {
    process.env.PATH = dirname(tool('sync'));
    const elsewhere = mkdtempSync(join('/dev/shm', 'kspray-syscalls-'));
    try {
      expect(statSync(elsewhere).dev).not.toBe(statSync(dir).dev);
      mkdirSync(join(dir, 'out'));
      fs.symlinkSync(elsewhere, join(dir, 'out', 'n9'));
      recordAll(dir);
      writeOutputs(join(dir, 'out'), batch(70));
      expect(events.filter((e) => e.startsWith('barrier sync'))).toEqual(['barrier sync -f -- /out/n0 /out/n9', 'barrier sync -f -- /out/n0 /out/n9']);
      expect(readFileSync(join(elsewhere, 'f19'), 'utf8')).toBe('19');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('finds sync on PATH only on Linux ≥ 5.8 (syncfs is Linux\'s, and reports errors from 5.8 on), and only an executable file', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((d) => join(dir, d));
    mkdirSync(join(a!, 'sync'), { recursive: true });
    mkdirSync(b!);
    writeFileSync(join(b!, 'sync'), '', { mode: 0o644 });
    mkdirSync(c!);
    writeFileSync(join(c!, 'sync'), '#!/bin/sh\n', { mode: 0o755 });
    const path = [join(dir, 'missing'), a, b, c].join(':');
    expect(findSync(path, 'linux', '6.1.0-18-amd64')).toBe(join(c!, 'sync'));
    expect(findSync(path, 'darwin', '23.1.0')).toBeUndefined();
    expect(findSync([a, b].join(':'), 'linux', '6.1.0')).toBeUndefined();
    expect(findSync('', 'linux', '6.1.0')).toBeUndefined();
    // A kernel whose syncfs returns 0 whatever the disk did: no barrier, the fsyncs report errors.
    expect(findSync(path, 'linux', '5.7.19')).toBeUndefined();
    expect(findSync(path, 'linux', '4.19.0-27-amd64')).toBeUndefined();
    expect(findSync(path, 'linux', '5.8.0')).toBe(join(c!, 'sync'));
    expect(findSync(path, 'linux', '10.0.1')).toBe(join(c!, 'sync'));
    expect(findSync(path, 'linux', 'unknown')).toBeUndefined();
  });
});
