// Running the real consumers (openssl, etcd, etcdctl) from tests: results instead of exceptions,
// so a test can assert that a tool refuses something, and every call bounded in time.
import { execFileSync, spawnSync } from 'node:child_process';

export interface RunResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, { input: options.input, env: options.env ?? process.env, timeout: options.timeoutMs ?? 20_000 });
  const stderr = `${r.stderr?.toString() ?? ''}${r.error ? String(r.error) : ''}`;
  return { ok: r.status === 0 && !r.error, stdout: r.stdout?.toString() ?? '', stderr };
}

/** Output of a command that must succeed (throws with its stderr otherwise). */
export function runBuffer(cmd: string, args: string[], input?: string | Buffer): Buffer {
  return execFileSync(cmd, args, { input, timeout: 20_000, stdio: ['pipe', 'pipe', 'pipe'] });
}
