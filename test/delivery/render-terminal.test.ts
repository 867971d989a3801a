// `render --node` on a terminal: a payload that holds private keys is refused (exit 2, nothing
// written) unless --force; a redirect or pipe prints it. The terminal is a real pty from util-linux
// `script`, so process.stdout.isTTY is what a user's shell gives.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleFile } from '../helpers/fixtures.js';
import { cliPath } from '../helpers/runCli.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs kspray with stdout (and stderr) on a pty; returns its exit code and what the terminal showed. */
function onTerminal(args: string[], cwd: string): Promise<{ code: number | null; screen: string }> {
  const quoted = [process.execPath, cliPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', quoted, '/dev/null'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    child.on('close', (code) => resolve({ code, screen }));
  });
}

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-tty-'));
  copyFileSync(exampleFile('single'), join(dir, 'cluster.yaml'));
  return dir;
}

describe.skipIf(!hasScript)('render --node on a terminal', () => {
  it('refuses a control-plane payload with private keys, writes nothing, and says why and what to do', async () => {
    const dir = workdir();
    const r = await onTerminal(['render', '-f', 'cluster.yaml', '--node', 'cp-1'], dir);
    expect(r.code).toBe(2);
    expect(r.screen).toContain('error[render-node-terminal]: refusing to print the payload of "cp-1" to a terminal: it holds 11 private keys');
    expect(r.screen).toContain('--force');
    expect(r.screen).not.toContain('PRIVATE KEY');
    expect(r.screen).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'outputs'))).toBe(false);
  });

  it('prints it with --force, and prints a worker payload (no private key) without asking', async () => {
    const dir = workdir();
    const forced = await onTerminal(['render', '-f', 'cluster.yaml', '--node', 'cp-1', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(forced.screen).toContain('#cloud-config');
    expect(forced.screen).toContain('PRIVATE KEY');
    const worker = await onTerminal(['render', '-f', 'cluster.yaml', '--node', 'worker-1'], dir);
    expect(worker.code).toBe(0);
    expect(worker.screen).toContain('#cloud-config');
  });

  it('prints it to a pipe without --force', () => {
    const dir = workdir();
    const r = spawnSync(process.execPath, [cliPath, 'render', '-f', 'cluster.yaml', '--node', 'cp-1'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('PRIVATE KEY');
  });
});
