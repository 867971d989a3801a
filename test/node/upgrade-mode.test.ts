// The node program's upgrade mode (kspray-node.sh --upgrade VERSION apply|node), as the upgrade Job
// runs it on the host: real bash, sha256sum and coreutils; stub curl (serves files from a dir),
// kubeadm, systemctl and sleep that log their argv.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLayout, runProgram, sha256, stubPath, stubScript, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';

const STUB = stubScript({
  arms: '  kubeadm) if [[ \${FAKE_KUBEADM_FAILS:-} == yes ]]; then echo "stub: upgrade failed" >&2; exit 1; fi ;;',
});
const VERSION = '1.36.4';
const tempDir = trackedTempDirs();

function fixture(nodeEnv = '', opts: { badSha?: string } = {}) {
  const { dir, root, srv, stubs, calls } = nodeLayout(tempDir('kspray-upgrade-node-'), ['curl', 'kubeadm', 'systemctl', 'sleep'], STUB);
  const list = ['kubeadm', 'kubelet', 'kubectl']
    .map((b) => {
      writeFile(join(srv, b), `${b} v${VERSION}\n`);
      const sha = opts.badSha === b ? '0'.repeat(64) : sha256(`${b} v${VERSION}\n`);
      return `${b}\thttps://dl.k8s.io/release/v${VERSION}/bin/linux/amd64/${b}\t${sha}\n`;
    })
    .join('');
  writeFile(join(root, 'var/lib/kspray/upgrade', `v${VERSION}`, 'downloads.tsv'), list);
  writeFile(join(root, 'etc/kspray/node.env'), nodeEnv, 0o600);
  const run = (args: string[], env: Record<string, string> = {}) =>
    runProgram({ PATH: stubPath(stubs, '/usr/bin:/bin'), HOME: dir, KSPRAY_ROOT: root, CALLS: calls, SRV: srv, ...env }, args);
  return { root, run };
}

const curls = (calls: string[]) => calls.filter((c) => c.startsWith('curl ')).map((c) => c.split('/').pop());

describe('kspray-node.sh --upgrade', () => {
  it('first control plane: kubeadm, upgrade apply, then kubelet and kubectl, restart kubelet; a rerun does nothing', () => {
    const f = fixture("KSPRAY_ACTION='init'\n");
    const r = f.run(['--upgrade', VERSION, 'apply']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.calls.filter((c) => !c.startsWith('curl '))).toEqual([
      `kubeadm upgrade apply v${VERSION} --yes --certificate-renewal=false`,
      'systemctl daemon-reload',
      'systemctl restart kubelet',
    ]);
    expect(curls(r.calls)).toEqual(['kubeadm', 'kubelet', 'kubectl']);
    // kubeadm is in place before it runs; the new binaries are installed, executable.
    for (const b of ['kubeadm', 'kubelet', 'kubectl']) expect(readFileSync(join(f.root, 'usr/local/bin', b), 'utf8')).toBe(`${b} v${VERSION}\n`);
    expect(existsSync(join(f.root, `var/lib/kspray/upgrade/v${VERSION}/done`))).toBe(true);
    expect(readFileSync(join(f.root, 'var/lib/kspray/status'), 'utf8')).toMatch(new RegExp(`^phase=upgrade-${VERSION}-kubelet state=done`));

    const again = f.run(['--upgrade', VERSION, 'apply']);
    expect(again.code).toBe(0);
    expect(again.calls).toEqual([]);
    expect(again.stdout).toContain(`upgrade-${VERSION}-kubeadm: done before, skipping`);
  });

  it('other nodes: kubeadm upgrade node, into the bin dir node.env names (Flatcar /opt/bin)', () => {
    const f = fixture("KSPRAY_ACTION='join-worker'\nKSPRAY_BIN_DIR='/opt/bin'\n");
    const r = f.run(['--upgrade', VERSION, 'node']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toContain('kubeadm upgrade node --certificate-renewal=false');
    expect(r.calls.some((c) => c.includes('upgrade apply'))).toBe(false);
    expect(readFileSync(join(f.root, 'opt/bin/kubelet'), 'utf8')).toBe(`kubelet v${VERSION}\n`);
    expect(existsSync(join(f.root, 'usr/local/bin/kubelet'))).toBe(false);
  });

  it('refuses a download whose sha256 does not match, before kubelet is touched', () => {
    const f = fixture('', { badSha: 'kubelet' });
    const r = f.run(['--upgrade', VERSION, 'node']);
    expect(r.code).toBe(1);
    expect(readFileSync(join(f.root, 'var/lib/kspray/status'), 'utf8')).toContain('sha256 mismatch, refused: kubelet');
    expect(r.calls).not.toContain('systemctl restart kubelet');
    expect(existsSync(join(f.root, 'usr/local/bin/kubelet'))).toBe(false);
    // kubeadm's phase finished and is not redone once the list is fixed.
    expect(r.calls).toContain('kubeadm upgrade node --certificate-renewal=false');
  });

  it('stops when kubeadm fails, and retries it on the next run', () => {
    const f = fixture();
    const r = f.run(['--upgrade', VERSION, 'node'], { FAKE_KUBEADM_FAILS: 'yes' });
    expect(r.code).not.toBe(0);
    expect(r.calls).not.toContain('systemctl restart kubelet');
    const again = f.run(['--upgrade', VERSION, 'node']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.calls).toContain('kubeadm upgrade node --certificate-renewal=false');
    expect(curls(again.calls)).toEqual(['kubelet', 'kubectl']); // kubeadm was already in place, verified
  });

  it('refuses bad arguments (exit 2) and a missing downloads list', () => {
    const f = fixture();
    expect(f.run(['--upgrade', 'v1.36', 'node']).code).toBe(2);
    expect(f.run(['--upgrade', VERSION, 'init']).code).toBe(2);
    const missing = f.run(['--upgrade', '1.36.5', 'node']);
    expect(missing.code).toBe(1);
    expect(readFileSync(join(f.root, 'var/lib/kspray/status'), 'utf8')).toContain('missing /var/lib/kspray/upgrade/v1.36.5/downloads.tsv');
    expect(missing.calls).toEqual([]);
  });
});
