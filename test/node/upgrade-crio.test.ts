// The node program's upgrade mode on a cri-o node (kspray-node.sh --upgrade VERSION apply|node): when
// the Job's downloads list carries the target's cri-o bundle, the drained node installs it with the
// first-boot installer, rewrites crio.conf.d's pause_image (KSPRAY_UPGRADE_PAUSE_IMAGE, the Job's env),
// restarts crio, all after kubeadm and before kubelet restarts. Real bash, tar and sha256sum; stub curl
// (serves files from a dir), kubeadm, systemctl and sleep that log their argv.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLayout, runProgram, sha256File, stubPath, stubScript, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';

const VERSION = '1.36.4';
const CRIO = '1.36.3';
const BUNDLE = `cri-o.amd64.v${CRIO}.tar.gz`;
const DROPIN = 'etc/crio/crio.conf.d/10-kspray.conf';
const NEW_PAUSE = 'registry.k8s.io/pause:3.10.2';
const tempDir = trackedTempDirs();

/** The drop-in render wrote for a 1.35 cri-o worker (the matrix scenario's golden plan file). */
function renderedDropin(): string {
  return readFileSync(new URL(`../golden/ubuntu24-crio-calico/nodes/workers/files/${DROPIN}`, import.meta.url), 'utf8');
}

/** A node's root with node.env and the upgrade's downloads.tsv (with or without the cri-o bundle). */
function fixture(nodeEnv: string, withCrio: boolean) {
  const { dir, root, srv, stubs, calls } = nodeLayout(tempDir('kspray-upgrade-rt-'), ['curl', 'kubeadm', 'kubectl', 'systemctl', 'sleep'], stubScript());
  const stage = join(dir, 'stage');
  for (const f of ['bin/crio', 'bin/pinns', 'bin/conmon', 'bin/crun', 'bin/runc']) writeFile(join(stage, 'cri-o', f), `#!/bin/sh\necho cri-o ${CRIO} ${f}\n`, 0o755);
  writeFile(join(stage, 'cri-o/contrib/crio.service'), `[Service]\n# ${CRIO}\nExecStart=/usr/local/bin/crio\n`);
  writeFile(join(stage, 'cri-o/contrib/policy.json'), '{ "default": [{ "type": "insecureAcceptAnything" }] }\n');
  mkdirSync(srv, { recursive: true });
  execFileSync('tar', ['-czf', join(srv, BUNDLE), '-C', stage, 'cri-o']);
  for (const b of ['kubeadm', 'kubelet', 'kubectl']) writeFile(join(srv, b), `${b} v${VERSION}\n`);
  const line = (id: string, file: string, url: string) => `${id}\t${url}\t${sha256File(join(srv, file))}\n`;
  const list =
    ['kubeadm', 'kubelet', 'kubectl'].map((b) => line(b, b, `https://dl.k8s.io/release/v${VERSION}/bin/linux/amd64/${b}`)).join('') +
    (withCrio ? line('cri-o', BUNDLE, `https://storage.googleapis.com/cri-o/artifacts/${BUNDLE}`) : '');
  writeFile(join(root, 'var/lib/kspray/upgrade', `v${VERSION}`, 'downloads.tsv'), list);
  writeFile(join(root, 'etc/kspray/node.env'), nodeEnv, 0o600);
  writeFile(join(root, DROPIN), renderedDropin());
  // The installed 1.35 cri-o, which the upgrade replaces.
  writeFile(join(root, 'usr/local/bin/crio'), '#!/bin/sh\necho cri-o 1.35.6\n', 0o755);
  const run = (args: string[], env: Record<string, string> = {}) =>
    runProgram({ PATH: stubPath(stubs, '/usr/bin:/bin'), HOME: dir, KSPRAY_ROOT: root, CALLS: calls, SRV: srv, ...env }, args);
  return { root, run };
}

/** Any download of the bundle or any systemctl call about crio. */
const touchesCrio = (calls: string[]) => calls.some((c) => c.includes(BUNDLE) || /^systemctl .*crio/.test(c));
const CRIO_WORKER = "KSPRAY_ACTION='join-worker'\nKSPRAY_INSTALL_CONTAINERD='no'\nKSPRAY_CONTAINER_RUNTIME='cri-o'\n";

describe('kspray-node.sh --upgrade on a cri-o node', () => {
  it('installs the new bundle and restarts crio after kubeadm, before kubelet; a rerun does nothing', () => {
    const f = fixture(CRIO_WORKER, true);
    const before = renderedDropin();
    expect(before).toContain('pause_image = "registry.k8s.io/pause:3.10.1"'); // the fixture is what render writes
    const r = f.run(['--upgrade', VERSION, 'node'], { KSPRAY_UPGRADE_PAUSE_IMAGE: NEW_PAUSE });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.calls.filter((c) => !c.startsWith('curl '))).toEqual([
      'kubeadm upgrade node --certificate-renewal=false',
      'systemctl daemon-reload',
      'systemctl restart crio',
      'systemctl daemon-reload',
      'systemctl restart kubelet',
    ]);
    expect(r.calls.filter((c) => c.startsWith('curl ')).map((c) => c.split('/').pop())).toEqual(['kubeadm', BUNDLE, 'kubelet', 'kubectl']);
    for (const p of ['usr/local/bin/crio', 'usr/local/bin/pinns', 'usr/local/libexec/crio/conmon', 'usr/local/libexec/crio/crun', 'usr/local/libexec/crio/runc']) {
      expect(readFileSync(join(f.root, p), 'utf8'), p).toContain(`cri-o ${CRIO}`);
    }
    expect(readFileSync(join(f.root, 'etc/systemd/system/crio.service'), 'utf8')).toContain(`# ${CRIO}`);
    // Only the pause line changes; the rest of the rendered drop-in stays.
    const after = readFileSync(join(f.root, DROPIN), 'utf8');
    expect(after).toBe(before.replace('pause_image = "registry.k8s.io/pause:3.10.1"', `pause_image = "${NEW_PAUSE}"`));
    expect(existsSync(join(f.root, 'var/cache/kspray'))).toBe(false);
    expect(r.stdout).toContain(`upgrade-${VERSION}-crio: done`);

    const again = f.run(['--upgrade', VERSION, 'node'], { KSPRAY_UPGRADE_PAUSE_IMAGE: NEW_PAUSE });
    expect(again.code, again.stderr).toBe(0);
    expect(again.calls).toEqual([]);
    expect(again.stdout).toContain(`upgrade-${VERSION}-crio: done before, skipping`);
  });

  it('keeps the pause image when the Job gives none (same pause), and still restarts crio', () => {
    const f = fixture(CRIO_WORKER, true);
    const r = f.run(['--upgrade', VERSION, 'node']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(f.root, DROPIN), 'utf8')).toBe(renderedDropin());
    expect(r.calls).toContain('systemctl restart crio');
  });

  it('refuses a pause image that is no image reference before touching cri-o', () => {
    const f = fixture(CRIO_WORKER, true);
    const r = f.run(['--upgrade', VERSION, 'node'], { KSPRAY_UPGRADE_PAUSE_IMAGE: 'x"#; rm -rf /' });
    expect(r.code).toBe(1);
    expect(readFileSync(join(f.root, 'var/lib/kspray/status'), 'utf8')).toMatch(new RegExp(`^phase=upgrade-${VERSION}-crio state=failed .*bad pause image`));
    expect(r.calls).not.toContain('systemctl restart crio');
    expect(r.calls).not.toContain('systemctl restart kubelet');
    expect(readFileSync(join(f.root, 'usr/local/bin/crio'), 'utf8')).toContain('cri-o 1.35.6');
  });

  it('a failed crio restart stops before kubelet, and the rerun redoes the cri-o step only', () => {
    const f = fixture(CRIO_WORKER, true);
    // A systemctl that fails `restart crio` once, as a broken crio would.
    const failing = join(f.root, '..', 'bin', 'systemctl');
    writeFile(failing, `${readFileSync(failing, 'utf8').replace('case $name in', 'if [[ "$*" == "restart crio" && ! -f $SRV/restarted ]]; then touch "$SRV/restarted"; exit 1; fi\ncase $name in')}`, 0o755);
    const r = f.run(['--upgrade', VERSION, 'node']);
    expect(r.code).not.toBe(0);
    expect(r.calls).not.toContain('systemctl restart kubelet');
    const again = f.run(['--upgrade', VERSION, 'node']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.calls.some((c) => c.startsWith('kubeadm '))).toBe(false);
    expect(again.calls.filter((c) => c.startsWith('systemctl restart'))).toEqual(['systemctl restart crio', 'systemctl restart kubelet']);
  });

  it('a containerd node never touches crio, even with a cri-o line in its list', () => {
    const f = fixture("KSPRAY_ACTION='join-worker'\n", true);
    const r = f.run(['--upgrade', VERSION, 'node'], { KSPRAY_UPGRADE_PAUSE_IMAGE: NEW_PAUSE });
    expect(r.code, r.stderr).toBe(0);
    expect(touchesCrio(r.calls)).toBe(false);
    expect(readFileSync(join(f.root, 'usr/local/bin/crio'), 'utf8')).toContain('cri-o 1.35.6');
    expect(readFileSync(join(f.root, DROPIN), 'utf8')).toBe(renderedDropin());
  });

  it('a cri-o node whose list has no cri-o line (a patch upgrade, same cri-o) leaves crio alone', () => {
    const f = fixture(CRIO_WORKER, false);
    const r = f.run(['--upgrade', VERSION, 'node']);
    expect(r.code, r.stderr).toBe(0);
    expect(touchesCrio(r.calls)).toBe(false);
    expect(r.stdout).not.toContain(`upgrade-${VERSION}-crio`);
  });
});
