// Shared harness for tests that run the real node program (node/kspray-node.sh) under bash with
// KSPRAY_ROOT at a temp dir and stub commands first on PATH. The stubs log "name args" to $CALLS;
// curl copies the URL's basename from the fake download server dir $SRV; everything else (tar,
// sha256sum, coreutils) is real, so downloads are really verified and archives really unpacked.
// Each test file composes these pieces and adds only the stub behaviour its scenario needs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export const NODE_PROGRAM = new URL('../../node/kspray-node.sh', import.meta.url).pathname;

/** The commands most node-program tests shadow. */
export const NODE_STUBS = ['curl', 'kubeadm', 'kubectl', 'systemctl', 'apt-get', 'modprobe', 'sysctl', 'swapoff', 'sleep'];

export interface StubOptions {
  /** Bash run by every stub right after logging its argv (e.g. logging extra state). */
  always?: string;
  /** curl options that take a value the stub must skip (besides -o), e.g. --max-time. */
  curlValueOptions?: string[];
  /** Bash run by curl once `$url`/`$out` are parsed, before it serves $SRV/<basename of url>. */
  curlBeforeServe?: string;
  /** Extra `case $name in` arms, one per command, e.g. `kubeadm) ... ;;`. */
  arms?: string;
}

/** One bash body shared by all stubs: the command's name is its file name ($0). */
export function stubScript(opts: StubOptions = {}): string {
  const skip = opts.curlValueOptions?.length ? `${opts.curlValueOptions.join('|')}) shift ;; ` : '';
  const lines = [
    '#!/usr/bin/env bash',
    'name=${0##*/}',
    `printf '%s\\n' "$name $*" >>"$CALLS"`,
    ...(opts.always ? [opts.always] : []),
    'case $name in',
    '  curl)',
    "    out='' url=''",
    '    while (($#)); do',
    `      case $1 in -o) out=$2; shift ;; ${skip}-*) ;; *) url=$1 ;; esac`,
    '      shift',
    '    done',
    ...(opts.curlBeforeServe ? [opts.curlBeforeServe] : []),
    '    [[ -f $SRV/${url##*/} ]] || exit 22',
    '    cp "$SRV/${url##*/}" "$out" ;;',
    ...(opts.arms ? [opts.arms] : []),
    'esac',
    'exit 0',
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes `content` to `file` (creating parent dirs) with `mode`. */
export function writeFile(file: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, mode);
}

/** Installs `script` as an executable stub named after each of `names` in `dir`. */
export function installStubs(dir: string, names: readonly string[], script: string): void {
  for (const n of names) writeFile(join(dir, n), script, 0o755);
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
export const sha256File = (file: string): string => sha256(readFileSync(file));

/** Where a node-program test keeps things inside its temp dir. */
export interface NodeLayout {
  dir: string;
  /** KSPRAY_ROOT: the node's filesystem. */
  root: string;
  /** $SRV: the fake download server curl copies from. */
  srv: string;
  /** The stubs dir, put first on PATH. */
  stubs: string;
  /** $CALLS: the stubs' log. */
  calls: string;
}

/** Lays out `dir` for a node-program run and installs `script` as each stub of `stubNames` in it. */
export function nodeLayout(dir: string, stubNames: readonly string[], script: string): NodeLayout {
  const layout = { dir, root: join(dir, 'root'), srv: join(dir, 'srv'), stubs: join(dir, 'bin'), calls: join(dir, 'calls.log') };
  installStubs(layout.stubs, stubNames, script);
  return layout;
}

/** PATH with the stubs dir first, then the real system dirs. */
export const stubPath = (stubs: string, rest = '/usr/local/bin:/usr/bin:/bin'): string => `${stubs}:${rest}`;

/**
 * A temp-dir factory whose dirs are removed after each test. Call once at module scope: it
 * registers the afterEach hook.
 */
export function trackedTempDirs(): (prefix: string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

export interface ProgramResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The stubs' log lines of this run only (the $CALLS file is emptied first). */
  calls: string[];
}

/**
 * Runs the node program under bash with `env` (which must set CALLS) and `args`. stdin is closed
 * (systemd gives /dev/null) unless `stdin` is a file descriptor, e.g. one that never reaches EOF, as an
 * operator's terminal would not.
 */
export function runProgram(env: NodeJS.ProcessEnv, args: string[] = [], stdin?: number): ProgramResult {
  const callsFile = env.CALLS;
  if (!callsFile) throw new Error('runProgram: env.CALLS must name the stubs log file');
  writeFileSync(callsFile, '');
  const r = spawnSync('bash', [NODE_PROGRAM, ...args], { env, encoding: 'utf8', timeout: 30_000, ...(stdin === undefined ? {} : { stdio: [stdin, 'pipe', 'pipe'] }) });
  const calls = readFileSync(callsFile, 'utf8').split('\n').filter(Boolean);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}
