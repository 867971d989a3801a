// Temp files and directories of the atomic writers, and the cleanup of those a killed run left.
// A temp name carries the writer's pid, so a concurrent kspray's temps are left alone while a dead
// one's are removed: `<name>.tmp-<pid>-<hex>`. (Temps of older releases, `<name>.tmp-<hex12>`, carry
// no pid and are always stale.) A temp is never a final name: nothing reads it, so removing it loses
// nothing: bundle files under a temp name were never linked into the bundle.
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { attempt } from './fsError.js';

const TEMP_NAME = /\.tmp-(?:(\d+)-[0-9a-f]{8}|[0-9a-f]{12})$/;

// Read once: process.pid is a getpid(2) per read, one per file written.
const PID = process.pid;

// One random draw per process, then a counter: a random draw per file was 1% of a 1,000-node render's
// CPU. Names stay unique within the process by the counter and across processes by the pid; a temp is
// opened O_EXCL, so a clash with a dead writer's leftover fails and never overwrites.
let lastTemp: number | undefined;

export function tempPathFor(target: string): string {
  lastTemp = ((lastTemp ?? randomBytes(4).readUInt32BE(0)) + 1) >>> 0;
  return `${target}.tmp-${PID}-${lastTemp.toString(16).padStart(8, '0')}`;
}

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

function isStale(name: string): boolean {
  const m = TEMP_NAME.exec(name);
  if (!m) return false;
  if (m[1] === undefined) return true;
  const pid = Number(m[1]);
  if (pid === PID) return false;
  try {
    process.kill(pid, 0);
    return false; // alive: another kspray is writing
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, someone else's
  }
}

/** Removes the temps of dead writers anywhere under `dir` (a missing `dir` has none). Returns how many. */
export function removeStaleTemps(dir: string): number {
  let removed = 0;
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw e;
    }
    for (const entry of entries) {
      const full = join(d, entry.name);
      if (isStale(entry.name)) {
        attempt('remove', full, () => rmSync(full, { recursive: true, force: true }));
        removed++;
      } else if (entry.isDirectory()) {
        walk(full);
      }
    }
  };
  attempt('list', dir, () => walk(dir));
  return removed;
}
