// The only module that touches the disk. Writes are atomic (temp file, fsync, rename) so a crash
// or a refused render never leaves a half-written file; secrets are created exclusively (link(2)
// fails if the target exists), so nothing here can overwrite a bundle file.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { OutputFile } from '../outputFile.js';

export type { OutputFile };

export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KsprayError('input', [messages.cannotRead(path, code ?? String(e))]);
  }
}

export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Every regular file under `dir` as relPath → text; undefined if `dir` does not exist. */
export function readTree(dir: string): Map<string, string> | undefined {
  if (!exists(dir)) return undefined;
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.set(relative(dir, full).split(sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

function writeTemp(target: string, content: string | Uint8Array, mode: number): string {
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, mode); // the umask may have narrowed or widened the open() mode
  return temp;
}

/** Atomically writes (replacing) every file under `dir`. */
export function writeOutputs(dir: string, files: OutputFile[]): void {
  for (const f of files) {
    const target = join(dir, ...f.relPath.split('/'));
    renameSync(writeTemp(target, f.content, f.mode), target);
  }
}

/** Creates one user file (a starter or imported spec), never replacing one; leaves directory modes alone. */
export function createFile(path: string, content: string, mode: number): void {
  const temp = writeTemp(path, content, mode);
  try {
    linkSync(temp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new KsprayError(code === 'EEXIST' ? 'input' : 'failure', [messages.fileExists(path, code)]);
  } finally {
    unlinkSync(temp);
  }
}

/**
 * Creates files that must never be replaced (the secrets bundle). Fails, without touching the
 * existing file, if any target exists. `dirMode` applies to the directories it creates.
 */
export function createExclusive(dir: string, files: OutputFile[], dirMode: number): void {
  mkdirSync(dir, { recursive: true, mode: dirMode });
  chmodSync(dir, dirMode);
  for (const f of files) {
    const target = join(dir, ...f.relPath.split('/'));
    mkdirSync(dirname(target), { recursive: true, mode: dirMode });
    const temp = writeTemp(target, f.content, f.mode);
    try {
      linkSync(temp, target);
    } catch (e) {
      throw new KsprayError('failure', [messages.secretExists(target, (e as NodeJS.ErrnoException).code ?? String(e))]);
    } finally {
      unlinkSync(temp);
    }
  }
}
