// Every regular file under a directory with what a "was it rewritten?" check compares: the bytes,
// and the inode and mtime (kspray's writes are rename-over, so a rewrite changes the inode).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface FileState {
  bytes: Buffer;
  ino: number;
  mtimeMs: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
}

/** Relative path → state, for every regular file under `dir` (directories walked). */
export function fileStates(dir: string): Map<string, FileState> {
  const out = new Map<string, FileState>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out.set(relative(dir, p), { bytes: readFileSync(p), ino: st.ino, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777 });
      }
    }
  };
  walk(dir);
  return out;
}
