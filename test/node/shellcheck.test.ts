// The node program must stay valid bash, shellcheck-clean and small (it ships in every payload,
// and EC2 user data is 16 KiB before base64).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const PROGRAM = new URL('../../node/kspray-node.sh', import.meta.url).pathname;
const SHELLCHECK = '/usr/bin/shellcheck';

describe('node/kspray-node.sh', () => {
  it('passes shellcheck', () => {
    expect(existsSync(SHELLCHECK), 'shellcheck is required for this test (apt-get install shellcheck)').toBe(true);
    const r = spawnSync(SHELLCHECK, ['--shell=bash', '--severity=style', PROGRAM], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('disables no shellcheck check', () => {
    expect(readFileSync(PROGRAM, 'utf8')).not.toMatch(/shellcheck\s+disable/);
  });

  it('parses with bash -n', () => {
    const r = spawnSync('bash', ['-n', PROGRAM], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('is a static, executable bash program under 12 KB', () => {
    const text = readFileSync(PROGRAM, 'utf8');
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toMatch(/^set -Eeuo pipefail$/m);
    expect(statSync(PROGRAM).mode & 0o111).not.toBe(0);
    // It ships in every payload: a size budget (raised from 8 KB when the kube-proxy repoint landed,
    // from 9 KB with the external etcd phase and the per-OS install paths of Flatcar/FCOS).
    expect(Buffer.byteLength(text)).toBeLessThan(12 * 1024);
  });
});
