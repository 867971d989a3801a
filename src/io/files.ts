// The only module that touches the disk. Every write is atomic: the bytes go to a temp file beside
// the target (written to the last byte, fsynced), then renamed over it, so no file under a final
// name is ever short. A failure removes its temps; temps a killed run left are removed by the next
// one (tempFiles.ts). Secrets are created exclusively (link(2) fails if the target exists), and a
// new bundle appears as a whole directory (rename), so nothing here can overwrite or half-write it.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync, chmodSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { OutputFile } from '../outputFile.js';
import { attempt, fsFailure, isErrno } from './fsError.js';
import { isTempName, removeStaleTemps, tempPathFor } from './tempFiles.js';

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
 */
function makeDirs(dir: string, mode = OUTPUT_DIR_MODE): void {
  const target = resolve(dir);
  let first: string | undefined;
  try {
    first = mkdirSync(target, { recursive: true, mode });
  } catch (e) {
    // Node's recursive mkdir reports a read-only or forbidden parent as ENOENT: redo the first
    // missing level alone to get the real errno (EROFS, EACCES) for the message.
    throw fsFailure((e as NodeJS.ErrnoException).code === 'ENOENT' ? (firstMkdirError(target) ?? e) : e, 'create directory', dir);
  }
  // Stryker disable next-line ConditionalExpression: without the return the loop below runs no step for an undefined `created` (same result)
  if (first === undefined) return;
  // Only what this call created: from the target up to `first`, never an ancestor above it.
  const created = first;
  attempt('create directory', dir, () => {
    for (let d = target; d === created || d.startsWith(`${created}${sep}`); d = dirname(d)) {
      chmodSync(d, mode);
      if (d === created) break;
    }
  });
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

/** Writes every byte (writeSync may write fewer than asked: a full disk), then fsyncs. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const n = writeSync(fd, bytes, offset, bytes.length - offset);
    // Stryker disable next-line StringLiteral: the message comes from errno -5 (errnoInWords), never from these strings
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO', errno: -5 });
    offset += n;
  }
  fsyncSync(fd);
}

/** The content in a fresh temp file beside `target` (or at `temp`), complete and synced, with `mode`. */
function writeTemp(target: string, content: string | Uint8Array, mode: number, temp = tempPathFor(target)): string {
  makeDirs(dirname(temp));
  try {
    const fd = openSync(temp, 'wx', mode);
    try {
      writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, mode); // the umask may have narrowed or widened the open() mode
  } catch (e) {
    removeQuietly(temp);
    throw fsFailure(e, 'write', target);
  }
  return temp;
}

/** Makes renames and links in `dir` durable (a crash after rename may otherwise lose the entry). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    // Some filesystems refuse fsync on a directory; the rename itself has happened.
    if (!isErrno(e) || (e.code !== 'EINVAL' && e.code !== 'EISDIR' && e.code !== 'EBADF')) throw fsFailure(e, 'sync', dir);
  }
}

/**
 * Atomically writes (replacing) every file under `dir`, in two steps: every file is first written
 * in full to a temp beside its target, and only then are the temps renamed into place. A failure
 * while writing (a full disk, a read-only directory) so leaves every previous output as it was;
 * only a kill during the renames leaves some files new and some old, each of them whole.
 */
export function writeOutputs(dir: string, files: OutputFile[]): { written: number; unchanged: number } {
  removeStaleTemps(dir);
  const staged: Array<{ temp: string; target: string }> = [];
  let unchanged = 0;
  try {
    for (const f of files) {
      const target = join(dir, ...f.relPath.split('/'));
      // A file already there with these bytes and this mode is left alone: a warm render with
      // nothing changed writes (and fsyncs) nothing, and mtimes keep meaning "last changed".
      if (alreadyWritten(target, f)) {
        unchanged++;
        continue;
      }
      staged.push({ temp: writeTemp(target, f.content, f.mode), target });
    }
    const written = staged.length;
    const dirs = new Set<string>();
    while (staged.length) {
      const { temp, target } = staged[0]!;
      attempt('rename', target, () => renameSync(temp, target));
      staged.shift();
      dirs.add(dirname(target));
    }
    for (const d of [...dirs].sort()) syncDir(d);
    return { written, unchanged };
  } finally {
    for (const s of staged) removeQuietly(s.temp);
  }
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
      writeTemp(join(dir, ...f.relPath.split('/')), f.content, f.mode, target);
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
