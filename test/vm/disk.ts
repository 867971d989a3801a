// Reads the guest's ext4 disk after power-off with debugfs (e2fsprogs): no mount, no root needed.
import { spawnSync } from 'node:child_process';

function debugfs(image: string, request: string): { out: Buffer; err: string } {
  const r = spawnSync('debugfs', ['-R', request, image], { maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { out: r.stdout, err: r.stderr.toString() };
}

export interface DiskStat {
  type: string;
  /** Permission bits as 4 octal digits, e.g. "0644". */
  mode: string;
  uid: number;
  gid: number;
}

/** The inode of PATH, or undefined when the path does not exist. */
export function statPath(image: string, path: string): DiskStat | undefined {
  const { out, err } = debugfs(image, `stat "${path}"`);
  const text = out.toString();
  const m = /Type:\s+(\S+)\s+Mode:\s+(\d+)/.exec(text);
  const u = /User:\s+(\d+)\s+Group:\s+(\d+)/.exec(text);
  if (!m || !u) {
    if (/File not found|not found by ext2_lookup/.test(err + text)) return undefined;
    throw new Error(`debugfs stat ${path}: ${err}${text}`);
  }
  return { type: m[1]!, mode: m[2]!.padStart(4, '0').slice(-4), uid: Number(u[1]), gid: Number(u[2]) };
}

/** The bytes of a regular file on the image. */
export function readPath(image: string, path: string): Buffer {
  if (statPath(image, path)?.type !== 'regular') throw new Error(`${path} is not a regular file on ${image}`);
  return debugfs(image, `cat "${path}"`).out;
}

/** Names in a directory (without . and ..), or [] when it does not exist. */
export function listDir(image: string, path: string): string[] {
  if (statPath(image, path)?.type !== 'directory') return [];
  return debugfs(image, `ls -p "${path}"`)
    .out.toString()
    .split('\n')
    .map((l) => l.split('/')[5])
    .filter((n): n is string => !!n && n !== '.' && n !== '..');
}
