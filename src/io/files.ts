// The only module that touches the disk. Every write is atomic: the bytes go to a temp file beside
// the target (written to the last byte, made durable), then renamed over it, so no file under a
// final name is ever short. Durable means fsynced, file by file, or for a large batch of outputs one
// filesystem barrier for all of them (syncfs.ts); either way before the rename that publishes them.
// A failure removes its temps; temps a killed run left are removed by the next one (tempFiles.ts).
// Secrets are created exclusively (link(2) fails if the target exists), and a new bundle appears as
// a whole directory (rename), so nothing here can overwrite or half-write it.
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync, chmodSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { OutputFile } from '../outputFile.js';
import { attempt, fsFailure, isErrno } from './fsError.js';
import { isTempName, removeStaleTemps, tempPathFor } from './tempFiles.js';
import { syncFilesystems } from './syncfs.js';

export { removeStaleTemps } from './tempFiles.js';

export type { OutputFile };

/**
 * A user's text file (the spec), which must be UTF-8: a Latin-1 byte would otherwise become U+FFFD
 * in a label and reach kubelet. A bad byte is reported at its line and column.
 */
export function readTextFile(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') throw new KsprayError('input', [messages.cannotRead(path, code)]);
    throw fsFailure(e, 'read', path);
  }
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (bad === -1) return bytes.toString('utf8');
  const before = bytes.subarray(0, bad).toString('utf8');
  const lineStart = before.lastIndexOf('\n') + 1;
  const position = { line: before.split('\n').length, col: before.length - lineStart + 1 };
  throw new KsprayError('input', [{ ...messages.specNotUtf8(), position }], path);
}

/** Offset of the first byte that does not continue a well-formed UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const [n, lo, hi] = c < 0x80 ? [0, 0, 0] : c >= 0xc2 && c <= 0xdf ? [1, 0x80, 0xbf] : c === 0xe0 ? [2, 0xa0, 0xbf] : c === 0xed ? [2, 0x80, 0x9f] : c >= 0xe1 && c <= 0xef ? [2, 0x80, 0xbf] : c === 0xf0 ? [3, 0x90, 0xbf] : c >= 0xf1 && c <= 0xf3 ? [3, 0x80, 0xbf] : c === 0xf4 ? [3, 0x80, 0x8f] : [-1, 0, 0];
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Every regular file under `dir` as relPath → text, temps left out; undefined if `dir` does not exist. */
export function readTree(dir: string): Map<string, string> | undefined {
  if (!exists(dir)) return undefined;
  const out = new Map<string, string>();
  const walk = (d: string) => {
    const entries = attempt('list', d, () => readdirSync(d, { withFileTypes: true }));
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (isTempName(entry.name)) continue;
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.set(relative(dir, full).split(sep).join('/'), attempt('read', full, () => readFileSync(full, 'utf8')));
    }
  };
  walk(dir);
  return out;
}

/** Directories kspray creates for outputs: readable by all, writable by the owner only. */
const OUTPUT_DIR_MODE = 0o755;

/**
 * mkdir -p that sets `mode` on each directory it creates, whatever the umask (mkdir's mode is
 * masked by it: under umask 000 a plain mkdir -p makes 0777 directories). Existing ones are left alone.
 * True when it created `dir` (which then holds no file yet).
 */
function makeDirs(dir: string, mode = OUTPUT_DIR_MODE): boolean {
  const target = resolve(dir);
  let first: string | undefined;
  try {
    first = mkdirSync(target, { recursive: true, mode });
  } catch (e) {
    // Node's recursive mkdir reports a read-only or forbidden parent as ENOENT: redo the first
    // missing level alone to get the real errno (EROFS, EACCES) for the message.
    throw fsFailure((e as NodeJS.ErrnoException).code === 'ENOENT' ? (firstMkdirError(target) ?? e) : e, 'create directory', dir);
  }
  // Nothing created: the directory was there (writeOutputs then compares the files in it).
  if (first === undefined) return false;
  // Only what this call created: from the target up to `first`, never an ancestor above it.
  const created = first;
  attempt('create directory', dir, () => {
    for (let d = target; d === created || d.startsWith(`${created}${sep}`); d = dirname(d)) {
      chmodSync(d, mode);
      if (d === created) break;
    }
  });
  return true;
}

function firstMkdirError(dir: string): unknown {
  let missing = dir;
  while (!exists(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
  try {
    mkdirSync(missing);
    return undefined;
  } catch (e) {
    return e;
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // already failing: the first error is the one to report; the next run removes the temp
  }
}

/** Writes every byte (writeSync may write fewer than asked: a full disk). */
function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const n = writeSync(fd, bytes, offset, bytes.length - offset);
    // Stryker disable next-line StringLiteral: the message comes from errno -5 (errnoInWords), never from these strings
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO', errno: -5 });
    offset += n;
  }
}

interface TempOptions {
  /** Where the temp goes (default: beside `target`). */
  temp?: string;
  /** The caller has made the temp's directory (writeOutputs, once per directory). */
  dirReady?: boolean;
  /** False: the caller makes it durable later (writeOutputs' barrier, or fsyncTemp). */
  sync?: boolean;
}

/** The content in a fresh temp file beside `target` (or at `temp`), complete and (by default) synced, with `mode`. */
function writeTemp(target: string, content: string | Uint8Array, mode: number, { temp = tempPathFor(target), dirReady = false, sync = true }: TempOptions = {}): string {
  if (!dirReady) makeDirs(dirname(temp));
  try {
    const fd = openSync(temp, 'wx', mode);
    try {
      fchmodSync(fd, mode); // the umask may have narrowed or widened the open() mode
      writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      if (sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    removeQuietly(temp);
    throw fsFailure(e, 'write', target);
  }
  return temp;
}

/** fsync of the file or directory at `path`, opened read-only for it. */
function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync of a temp written (and closed) unsynced: the barrier could not run. Its errors are write errors. */
function fsyncTemp(temp: string, target: string): void {
  try {
    fsyncPath(temp);
  } catch (e) {
    throw fsFailure(e, 'write', target);
  }
}

/** Makes renames and links in `dir` durable (a crash after rename may otherwise lose the entry). */
function syncDir(dir: string): void {
  try {
    fsyncPath(dir);
  } catch (e) {
    // Some filesystems refuse fsync on a directory; the rename itself has happened.
    if (!isErrno(e) || (e.code !== 'EINVAL' && e.code !== 'EISDIR' && e.code !== 'EBADF')) throw fsFailure(e, 'sync', dir);
  }
}

/**
 * From this many staged files on, writeOutputs makes them durable with two filesystem barriers
 * (syncfs.ts) instead of an fsync per file and per directory. Measured here (ext4, 23 KB files three
 * to a directory in a fresh root, CPU user+sys of the write step, median of 5): 12 files 1.6 ms with
 * fsyncs, 3.4 ms with the barrier (its two `sync` processes cost ~3 ms); 24: 3.7 vs 4.2; 48: 6.5 vs 5;
 * 96: 13 vs 5.5; 3,000: 650 vs 270 ms CPU and 1,300 vs 300 ms of wall. The crossover is 24–48 files;
 * 64 keeps small batches (the HA example writes 26 outputs) on per-file fsync, whose wall time does not
 * depend on what else is dirty on the filesystem (syncfs flushes other processes' writes too).
 */
export const BARRIER_MIN_FILES = 64;

/**
 * Atomically writes (replacing) every file under `dir`, in two steps: every file is first written
 * in full to a temp beside its target, and only then are the temps renamed into place. A failure
 * while writing (a full disk, a read-only directory) so leaves every previous output as it was;
 * only a kill during the renames leaves some files new and some old, each of them whole.
 * Durability: every temp is on disk before the first rename, and every rename before this returns:
 * by an fsync of each temp, then of each directory renamed into; or, for BARRIER_MIN_FILES or more,
 * by a syncfs of the outputs' filesystem after the last temp is closed and another after the last
 * rename, falling back to the fsyncs whenever the barrier cannot run.
 */
export function writeOutputs(dir: string, files: OutputFile[]): { written: number; unchanged: number } {
  removeStaleTemps(dir);
  const staged: Array<{ temp: string; target: string }> = [];
  let unchanged = 0;
  // Each directory is made once, not once per file (3 files a node at 1,000 nodes); a directory this
  // call created holds no file yet, so nothing in it needs comparing.
  const made = new Map<string, boolean>();
  // Decided before writing, on the most that can be staged: a small batch fsyncs each temp as it
  // writes it (on the fd it has), a large one leaves that to the barrier.
  const deferSync = files.length >= BARRIER_MIN_FILES;
  try {
    for (const f of files) {
      const target = join(dir, ...f.relPath.split('/'));
      const parent = dirname(target);
      let created = made.get(parent);
      if (created === undefined) made.set(parent, (created = makeDirs(parent)));
      // A file already there with these bytes and this mode is left alone: a warm render with
      // nothing changed writes (and fsyncs) nothing, and mtimes keep meaning "last changed".
      if (!created && alreadyWritten(target, f)) {
        unchanged++;
        continue;
      }
      staged.push({ temp: writeTemp(target, f.content, f.mode, { dirReady: true, sync: !deferSync }), target });
    }
    const written = staged.length;
    // Every temp is written and closed: make them all durable before the first rename.
    const filesystems = deferSync && written >= BARRIER_MIN_FILES ? onePerFilesystem(staged.map((s) => dirname(s.target))) : [];
    const barrier = filesystems.length > 0 && syncFilesystems(filesystems);
    if (deferSync && !barrier) for (const s of staged) fsyncTemp(s.temp, s.target);
    const dirs = new Set<string>();
    while (staged.length) {
      const { temp, target } = staged[0]!;
      attempt('rename', target, () => renameSync(temp, target));
      staged.shift();
      dirs.add(dirname(target));
    }
    // The renames durable: the second barrier, or (no barrier, or it could not run this time) each directory.
    if (!(barrier && syncFilesystems(filesystems))) for (const d of [...dirs].sort()) syncDir(d);
    return { written, unchanged };
  } finally {
    for (const s of staged) removeQuietly(s.temp);
  }
}

/**
 * One directory of each filesystem among `dirs`, in their order: what a barrier syncs (a mount
 * inside the outputs directory is a filesystem of its own, which a syncfs of the outer one misses).
 */
function onePerFilesystem(dirs: string[]): string[] {
  const byDevice = new Map<number, string>();
  for (const d of new Set(dirs)) {
    const dev = attempt('sync', d, () => statSync(d).dev);
    if (!byDevice.has(dev)) byDevice.set(dev, d);
  }
  return [...byDevice.values()];
}

/** The target exists as a regular file with exactly these bytes and this mode. */
function alreadyWritten(target: string, f: OutputFile): boolean {
  let st;
  try {
    st = statSync(target);
  } catch {
    return false;
  }
  if (!st.isFile() || (st.mode & 0o7777) !== f.mode) return false;
  // Stryker disable next-line ConditionalExpression,StringLiteral: Buffer.from copies a Uint8Array as is, and utf8 is its default
  const bytes = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
  // Stryker disable next-line ConditionalExpression: a shortcut only: equals() below also tells sizes apart
  if (st.size !== bytes.length) return false;
  return attempt('read', target, () => readFileSync(target)).equals(bytes);
}

/**
 * Replaces one file of kspray's own bookkeeping (the render stamp) atomically and durably, creating its
 * directory with `dirMode`. Never used for a secret: those are only ever created (createExclusive).
 */
export function replaceFile(path: string, content: string, mode: number, dirMode: number): void {
  makeDirs(dirname(path), dirMode);
  removeStaleTemps(dirname(path));
  const temp = writeTemp(path, content, mode);
  try {
    attempt('rename', path, () => renameSync(temp, path));
  } finally {
    removeQuietly(temp);
  }
  syncDir(dirname(path));
}

/** Creates one user file (a starter or imported spec), never replacing one; leaves directory modes alone. */
export function createFile(path: string, content: string, mode: number): void {
  const temp = writeTemp(path, content, mode);
  try {
    linkSync(temp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw code === 'EEXIST' ? new KsprayError('input', [messages.fileExists(path, code)]) : fsFailure(e, 'create', path);
  } finally {
    removeQuietly(temp);
  }
}

/**
 * Adds files that must never be replaced to an existing secrets bundle (leaf keys, renewals,
 * minted tokens). Fails, without touching the existing file, if any target exists; each file is
 * linked only once complete, so a kill leaves whole files and the rest is added by the next run.
 * `dirMode` applies to the directories it creates.
 */
export function createExclusive(dir: string, files: OutputFile[], dirMode: number): void {
  makeDirs(dirname(dir));
  makeDirs(dir, dirMode);
  attempt('create directory', dir, () => chmodSync(dir, dirMode));
  removeStaleTemps(dir);
  for (const f of files) {
    const target = join(dir, ...f.relPath.split('/'));
    makeDirs(dirname(target), dirMode);
    const temp = writeTemp(target, f.content, f.mode);
    try {
      linkSync(temp, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw code === 'EEXIST' ? new KsprayError('failure', [messages.secretExists(target, code)]) : fsFailure(e, 'create', target);
    } finally {
      removeQuietly(temp);
    }
    syncDir(dirname(target));
  }
}

/**
 * Creates a new directory of files (a new secrets bundle) as a whole: everything is written into a
 * temp directory beside `dir`, synced, then renamed to `dir`. It exists complete or not at all. A
 * `dir` that exists with any file in it is never replaced (rename(2) refuses a non-empty target).
 */
export function createDirectoryAtomically(dir: string, files: OutputFile[], dirMode: number): void {
  const parent = dirname(dir);
  makeDirs(parent);
  removeStaleTemps(parent);
  const temp = tempPathFor(dir);
  try {
    attempt('create directory', temp, () => mkdirSync(temp, { mode: dirMode }));
    attempt('create directory', temp, () => chmodSync(temp, dirMode));
    const dirs = new Set([temp]);
    for (const f of files) {
      const target = join(temp, ...f.relPath.split('/'));
      makeDirs(dirname(target), dirMode);
      dirs.add(dirname(target));
      // Written under its final name inside the temp directory: the whole directory is the temp.
      writeTemp(join(dir, ...f.relPath.split('/')), f.content, f.mode, { temp: target });
    }
    for (const d of [...dirs].sort().reverse()) syncDir(d);
    try {
      renameSync(temp, dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw code === 'ENOTEMPTY' || code === 'EEXIST' ? new KsprayError('failure', [messages.secretExists(dir, code)]) : fsFailure(e, 'rename', dir);
    }
    syncDir(parent);
  } finally {
    removeQuietly(temp);
  }
}

/** Renames `dir` out of the way (an incomplete bundle: kept, never deleted) and returns where it went. */
export function setAside(dir: string, label: string): string {
  const aside = `${dir}.${label}-${randomBytes(4).toString('hex')}`;
  attempt('rename', dir, () => renameSync(dir, aside));
  syncDir(dirname(dir));
  return aside;
}

/** A file's bytes, or undefined when there is none (kspray diff and render --check compare with them). */
export function readBytesIfExists(path: string): Buffer | undefined {
  if (!exists(path)) return undefined;
  return attempt('read', path, () => readFileSync(path));
}

/** Names of the subdirectories of `dir` (none when it does not exist), sorted. */
export function listDirectories(dir: string): string[] {
  if (!exists(dir)) return [];
  return attempt('list', dir, () => readdirSync(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
