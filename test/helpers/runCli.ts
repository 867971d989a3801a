// Runs dist/cli/main.js asynchronously: tests that serve a local API server in this process must not
// block its event loop (spawnSync would). `onSpawn` gets the child (e.g. to kill it mid-run).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './fixtures.js';

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const cliPath = join(repoRoot, 'dist', 'cli', 'main.js');

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, onSpawn?: (child: ChildProcess) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}
