// One whole process, measured from outside: CPU (user+sys of the process and everything it waited for,
// from bash's `times`, i.e. the children's rusage, to the millisecond), wall, and peak RSS (GNU time's
// %M: the largest resident set of any process in the tree).
import { wholeEnv } from '../env.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface Sample {
  cpuMs: number;
  /** cpuMs split: user and system (kernel) time. */
  userMs: number;
  sysMs: number;
  wallMs: number;
  rssKiB: number;
  stdout: string;
}

export interface Tools {
  /** GNU time (Debian package `time`). */
  time: string;
  openssl: string;
}

/** bash's `times` prints "0m0.052s 0m0.012s" for the children's user and system time. */
function childrenCpuMs(timesOutput: string): { userMs: number; sysMs: number } {
  const line = timesOutput.trim().split('\n').at(-1)!;
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`bench: cannot read bash times output: ${JSON.stringify(timesOutput)}`);
  return { userMs: Math.round(secs[0]! * 1000), sysMs: Math.round(secs[1]! * 1000) };
}

/** Runs `argv` once (stdin closed, stderr discarded); throws when it fails, so a broken case is never timed. */
export function measure(tools: Tools, argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-bench-m-'));
  try {
    const out = join(dir, 'stdout');
    const t0 = performance.now();
    // `times` runs in bash after the command: its second line is the command tree's rusage.
    const r = spawnSync(tools.time, ['-f', 'RSS %M', 'bash', '-c', '"$@" >"$KSPRAY_BENCH_OUT" 2>/dev/null </dev/null || exit 90; times', 'bench', ...argv], {
      cwd,
      env: { ...wholeEnv(), ...env, KSPRAY_BENCH_OUT: out },
      encoding: 'utf8',
    });
    const wallMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(`bench: ${argv.join(' ')} failed (status ${r.status}): ${r.stderr}`);
    const rss = /RSS (\d+)/.exec(r.stderr);
    if (!rss) throw new Error(`bench: no peak RSS from ${tools.time}: ${r.stderr}`);
    const { userMs, sysMs } = childrenCpuMs(r.stdout);
    return { cpuMs: userMs + sysMs, userMs, sysMs, wallMs: Math.round(wallMs), rssKiB: Number(rss[1]), stdout: readFileSync(out, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Stats {
  min: number;
  median: number;
  max: number;
}

export function stats(values: number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : Math.round((v[mid - 1]! + v[mid]!) / 2);
  return { min: v[0]!, median, max: v.at(-1)! };
}
