// A filesystem barrier for a large batch of writes: syncfs(2) of the filesystem(s) holding them, which
// returns once every dirty page and journal entry there is on disk. writeOutputs uses it in place of
// one fsync per file and per directory when it publishes many files (a 1,000-worker render: 3,048
// files in 1,009 directories, 4,057 fsyncs). Node has no syncfs binding, so it runs coreutils'
// `sync -f DIR…`, which is syncfs(2) on DIR's filesystem, once per distinct filesystem. Measured on
// that render (whole process, ext4, median of 9 interleaved with the fsync build): 620 → 300 ms of
// system CPU, 2,450 → 2,100 ms of CPU in all, 2,740 → 1,910 ms of wall; each `sync` process took
// under /usr/bin/time's 10 ms resolution. A syncfs also waits for whatever else is dirty on that
// filesystem (other processes' writes): its wall time is the disk's, shared.
//
// What it can and cannot say. Linux ≥ 5.8 makes syncfs report writeback errors (EIO, ENOSPC, EDQUOT)
// that happened on the filesystem since `sync` opened DIR ("vfs: track per-sb writeback errors and
// report them to syncfs"); older kernels flush the same but return 0 whatever happened, so a failing
// disk would go unreported where a per-file fsync reports it. Hence no barrier on them: the fallback
// (fsync each temp before any rename, fsync each directory after) is what runs there, and whenever
// the barrier cannot run: no `sync` on PATH, one without -f (coreutils < 8.24, older busybox, macOS
// and the BSDs, whose sync takes no filesystem), not Linux, killed, or any error other than a
// writeback error. Such a case is a slower write, never a skipped one.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as osConstants, release as osRelease } from 'node:os';
import { delimiter, join } from 'node:path';
import { readEnvNotAnInput } from '../env.js';
import { fsFailure } from './fsError.js';

/** Linux ≥ 5.8, the first whose syncfs(2) returns writeback errors ("6.1.0-18-amd64" → true). */
export function syncfsReportsErrors(release: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 5 || (major === 5 && minor >= 8);
}

/**
 * The first executable `sync` on PATH, or undefined; none off Linux (the only kernel with syncfs(2))
 * or on a Linux older than 5.8 (whose syncfs reports no error).
 */
export function findSync(path = readEnvNotAnInput('PATH') ?? '', platform: NodeJS.Platform = process.platform, release = osRelease()): string | undefined {
  if (platform !== 'linux' || !syncfsReportsErrors(release)) return undefined;
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const bin = join(dir, 'sync');
    try {
      accessSync(bin, constants.X_OK);
      if (statSync(bin).isFile()) return bin;
    } catch {
      // not here: the next directory on PATH
    }
  }
  return undefined;
}

/**
 * The errors syncfs(2) reports about data that did not reach the disk (Linux's writeback errors), as
 * `sync` prints them under LC_ALL=C (glibc's strerror). Any other failure says nothing about the data:
 * the caller falls back to fsync, which reports what it finds.
 */
const WRITEBACK_ERRORS: Record<string, 'EIO' | 'ENOSPC' | 'EDQUOT'> = {
  'Input/output error': 'EIO',
  'No space left on device': 'ENOSPC',
  'Disk quota exceeded': 'EDQUOT',
};

/**
 * syncfs(2) of the filesystem of each directory in `dirs` (one a filesystem is enough). True when it
 * ran and every syncfs returned 0; false when it could not run (the caller fsyncs file by file
 * instead). A writeback error it reports is thrown as the failure to sync that directory.
 */
export function syncFilesystems(dirs: readonly string[], bin = findSync()): boolean {
  if (bin === undefined || dirs.length === 0) return false;
  // Only LC_ALL: the message must be in English to be read, and sync needs nothing else from the
  // environment (handing it ours would make every variable an input of the render stamp).
  // Stryker disable next-line ArrayDeclaration: stdout piped instead of ignored changes nothing read (sync prints nothing there)
  const r = spawnSync(bin, ['-f', '--', ...dirs], { encoding: 'utf8', env: { LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] });
  // Stryker disable next-line ConditionalExpression: a process that could not be spawned has status null, so the status decides alone
  if (r.error === undefined && r.status === 0) return true;
  // coreutils: "sync: error syncing 'DIR': Input/output error" (DIR quoted by quotearg, which may
  // hold ": " itself, hence the last one on the line).
  for (const line of (r.stderr ?? '').split('\n')) {
    // Stryker disable next-line Regex: the anchors only matter for a program name with a colon or a line ending in ": "
    const m = /^[^:]*: error syncing (.*): ([^:]+)$/.exec(line);
    const code = m ? WRITEBACK_ERRORS[m[2]!] : undefined;
    if (m && code) {
      const dir = dirs.find((d) => m[1]!.includes(d)) ?? dirs[0]!;
      throw fsFailure(Object.assign(new Error(m[2]), { code, errno: -osConstants.errno[code] }), 'sync', dir);
    }
  }
  return false;
}
