// The node program's upgrade mode (kspray-node.sh --upgrade VERSION apply|node), as the upgrade Job
// runs it on the host: real bash, sha256sum and coreutils; stub curl (serves files from a dir),
// kubeadm, systemctl and sleep that log their argv.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLayout, runProgram, sha256, stubPath, stubScript, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';

const STUB = stubScript({
  // With PROXY_LOG set, curl and kubeadm also log the proxy variables they were given.
  always: `if [[ $name == curl || $name == kubeadm ]] && [[ -n \${PROXY_LOG:-} ]]; then printf '%s http_proxy=%s https_proxy=%s no_proxy=%s\\n' "$name" "\${http_proxy-unset}" "\${https_proxy-unset}" "\${no_proxy-unset}" >>"$PROXY_LOG"; fi`,
  arms: '  kubeadm) if [[ \${FAKE_KUBEADM_FAILS:-} == yes ]]; then echo "stub: upgrade failed" >&2; exit 1; fi ;;',
});
const VERSION = '1.36.4';
const tempDir = trackedTempDirs();

function fixture(nodeEnv = '', opts: { badSha?: string } = {}) {
  const { dir, root, srv, stubs, calls } = nodeLayout(tempDir('kspray-upgrade-node-'), ['curl', 'kubeadm', 'kubectl', 'systemctl', 'sleep'], STUB);
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

  // The Job's container has no proxy variables: the program must take spec.proxy from node.env, as at
  // first boot, or a node behind a proxy cannot download the new binaries.
  it('gives curl and kubeadm the proxy from node.env (spec.proxy)', () => {
    const f = fixture(
      "KSPRAY_ACTION='init'\nKSPRAY_HTTP_PROXY='http://proxy.internal:3128'\nKSPRAY_HTTPS_PROXY='http://proxy.internal:3129'\nKSPRAY_NO_PROXY='localhost,127.0.0.1,10.0.0.11'\n",
    );
    const log = join(f.root, '..', 'proxy.log');
    const r = f.run(['--upgrade', VERSION, 'apply'], { PROXY_LOG: log });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const seen = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(seen.map((l) => l.split(' ')[0])).toEqual(['curl', 'kubeadm', 'curl', 'curl']);
    for (const l of seen) expect(l).toMatch(/ http_proxy=http:\/\/proxy.internal:3128 https_proxy=http:\/\/proxy.internal:3129 no_proxy=localhost,127.0.0.1,10.0.0.11$/);
  });

  it('leaves the environment alone without a proxy', () => {
    const f = fixture("KSPRAY_ACTION='join-worker'\n");
    const log = join(f.root, '..', 'proxy.log');
    expect(f.run(['--upgrade', VERSION, 'node'], { PROXY_LOG: log }).code).toBe(0);
    const seen = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(seen.length).toBe(4);
    for (const l of seen) expect(l).toMatch(/ http_proxy=unset https_proxy=unset no_proxy=unset$/);
  });

  it('passes --skip-phases to kubeadm upgrade apply and node (Cilium kube-proxy replacement)', () => {
    const f = fixture("KSPRAY_ACTION='init'\n");
    const r = f.run(['--upgrade', VERSION, 'apply', '--skip-phases=addon/kube-proxy']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.calls).toContain(`kubeadm upgrade apply v${VERSION} --yes --certificate-renewal=false --skip-phases=addon/kube-proxy`);
    const g = fixture("KSPRAY_ACTION='join-worker'\n");
    const n = g.run(['--upgrade', VERSION, 'node', '--skip-phases=addon/kube-proxy']);
    expect(n.code, n.stderr).toBe(0);
    expect(n.calls).toContain('kubeadm upgrade node --certificate-renewal=false --skip-phases=addon/kube-proxy');
    // Anything else as a third argument is refused before any change.
    const bad = g.run(['--upgrade', VERSION, 'node', '--yes; rm -rf /']);
    expect(bad.code).toBe(2);
    expect(bad.calls).toEqual([]);
  });

  // kubeadm upgrade apply rewrites the kube-proxy ConfigMap with the first control plane's address
  // (Kubespray issues 4689, 6731): with the localhost proxy it must be pointed back at 127.0.0.1.
  it('control planes: point kube-proxy back at the localhost proxy after kubeadm, before kubelet', () => {
    const f = fixture("KSPRAY_ACTION='init'\nKSPRAY_KUBE_PROXY_SERVER='https://127.0.0.1:6443'\n");
    const r = f.run(['--upgrade', VERSION, 'apply']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const apply = r.calls.indexOf(`kubeadm upgrade apply v${VERSION} --yes --certificate-renewal=false`);
    const get = r.calls.indexOf('kubectl -n kube-system get configmap kube-proxy -o yaml');
    expect(apply).toBeGreaterThanOrEqual(0);
    expect(get).toBeGreaterThan(apply);
    expect(r.calls).toContain('kubectl -n kube-system rollout restart daemonset kube-proxy');
    expect(get).toBeLessThan(r.calls.indexOf('systemctl restart kubelet'));
    // Other control planes too (the last one's `upgrade node` runs the addon phase in kubeadm >= 1.31).
    const cp2 = fixture("KSPRAY_ACTION='join-control-plane'\nKSPRAY_LOCAL_API_SERVER='https://127.0.0.1:6443'\n").run(['--upgrade', VERSION, 'node']);
    expect(cp2.code, cp2.stderr).toBe(0);
    expect(cp2.calls).toContain('kubectl -n kube-system rollout restart daemonset kube-proxy');
    // Without it (kube-vip, external LB), on workers and with Cilium KPR, kube-proxy is left alone.
    const kubectl = (r: { calls: string[] }) => r.calls.some((c) => c.startsWith('kubectl '));
    expect(kubectl(fixture("KSPRAY_ACTION='init'\n").run(['--upgrade', VERSION, 'apply']))).toBe(false);
    expect(kubectl(fixture("KSPRAY_ACTION='join-worker'\nKSPRAY_LOCAL_API_SERVER='https://127.0.0.1:6443'\n").run(['--upgrade', VERSION, 'node']))).toBe(false);
    const kpr = fixture("KSPRAY_ACTION='join-control-plane'\nKSPRAY_LOCAL_API_SERVER='https://127.0.0.1:6443'\n").run(['--upgrade', VERSION, 'node', '--skip-phases=addon/kube-proxy']);
    expect(kpr.code, kpr.stderr).toBe(0);
    expect(kubectl(kpr)).toBe(false);
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
