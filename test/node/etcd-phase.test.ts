// The node program's external etcd parts, run for real under bash with KSPRAY_ROOT and stub
// commands (curl, systemctl, apt-get, modprobe, sysctl, swapoff, sleep) first on PATH; tar and
// sha256sum are real, so the etcd tarball is really verified and unpacked.
// - KSPRAY_ACTION=etcd: prepare-os → etcd (install etcd+etcdctl, enable and start the unit without
//   blocking, wait for /health over mTLS with the member's own certificate) → done. No runtime, no kubelet.
// - a control plane with KSPRAY_ETCD_ENDPOINTS waits for etcd /health (apiserver-etcd-client) before kubeadm.
// - kube-vip: after `kubeadm init` the kube-vip static pod moves from super-admin.conf to admin.conf.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_STUBS, nodeLayout, runProgram, sha256, sha256File, stubPath, stubScript, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';

// /health answers fail FAKE_HEALTH_FAILS times (counted in $STUBS/health-count), then succeed.
const STUB = stubScript({
  curlValueOptions: ['--cacert', '--cert', '--key', '--max-time', '--connect-timeout'],
  curlBeforeServe: `    if [[ $url == */health ]]; then
      n=$(( $(cat "$STUBS/health-count" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$STUBS/health-count"
      if (( n <= \${FAKE_HEALTH_FAILS:-0} )); then exit 22; fi
      exit 0
    fi
    if [[ $url == */readyz ]]; then exit 0; fi`,
});
const tempDir = trackedTempDirs();

function fixture(nodeEnv: Record<string, string>, downloads: 'etcd' | 'kubernetes') {
  const { dir, root, srv, stubs, calls } = nodeLayout(tempDir('kspray-etcd-node-'), NODE_STUBS, STUB);
  mkdirSync(srv, { recursive: true });
  const etc = join(root, 'etc/kspray');
  if (downloads === 'etcd') {
    // Laid out like the release: etcd-v<version>-linux-<arch>/{etcd,etcdctl,etcdutl,README.md}.
    const stage = join(dir, 'stage', 'etcd-v3.6.5-linux-amd64');
    for (const f of ['etcd', 'etcdctl', 'etcdutl']) writeFile(join(stage, f), `#!/bin/sh\necho ${f}\n`, 0o755);
    writeFile(join(stage, 'README.md'), '# etcd\n');
    execFileSync('tar', ['-czf', join(srv, 'etcd-v3.6.5-linux-amd64.tar.gz'), '-C', join(dir, 'stage'), 'etcd-v3.6.5-linux-amd64']);
    const f = join(srv, 'etcd-v3.6.5-linux-amd64.tar.gz');
    writeFile(join(etc, 'downloads.tsv'), `etcd\thttps://files.example/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz\t${sha256File(f)}\n`);
  } else {
    writeFile(join(etc, 'downloads.tsv'), '');
    // A control plane whose install phases are done: only init is exercised. A marker holds the hash
    // of its phase's input files; here none exist or they are empty, so it is the empty input's.
    const emptyKey = `${sha256('')}  -\n`;
    for (const p of ['prepare-os', 'install-runtime', 'install-kubernetes']) writeFile(join(root, 'var/lib/kspray/phases', `${p}.done`), emptyKey);
  }
  writeFile(join(etc, 'node.env'), Object.entries(nodeEnv).map(([k, v]) => `${k}='${v}'\n`).join(''), 0o600);
  writeFile(join(etc, 'kubeadm.yaml'), 'kind: InitConfiguration\n', 0o600);
  const env = { PATH: stubPath(stubs), HOME: dir, KSPRAY_ROOT: root, CALLS: calls, SRV: srv, STUBS: stubs };
  return { dir, root, calls, env };
}

function run(f: ReturnType<typeof fixture>, extraEnv: Record<string, string> = {}) {
  return runProgram({ ...f.env, ...extraEnv });
}

const started = (stdout: string) => [...stdout.matchAll(/^kspray: ([a-z-]+): running: started$/gm)].map((m) => m[1]);

describe('kspray-node.sh kube-vip (stubbed commands)', () => {
  it('after kubeadm init, points the kube-vip pod at admin.conf instead of super-admin.conf', () => {
    const f = fixture({ KSPRAY_CLUSTER: 'demo', KSPRAY_NODE_NAME: 'cp-1', KSPRAY_ACTION: 'init', KSPRAY_ETCD_ENDPOINTS: '' }, 'kubernetes');
    const manifest = join(f.root, 'etc/kubernetes/manifests/kube-vip.yaml');
    writeFile(manifest, 'volumes:\n  - name: kubeconfig\n    hostPath:\n      path: /etc/kubernetes/super-admin.conf\n      type: File\n');
    const r = run(f);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(manifest, 'utf8')).toBe('volumes:\n  - name: kubeconfig\n    hostPath:\n      path: /etc/kubernetes/admin.conf\n      type: File\n');
    expect(r.calls.some((c) => c.startsWith('kubeadm init'))).toBe(true);
  });
});

describe('kspray-node.sh external etcd (stubbed commands)', () => {
  it('an etcd member installs etcd and etcdctl, starts the unit without blocking and waits for its own /health', () => {
    const f = fixture({ KSPRAY_CLUSTER: 'demo', KSPRAY_NODE_NAME: 'etcd-1', KSPRAY_ACTION: 'etcd', KSPRAY_ETCD_ENDPOINTS: '' }, 'etcd');
    const r = run(f, { FAKE_HEALTH_FAILS: '2' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(started(r.stdout)).toEqual(['prepare-os', 'etcd', 'done']);
    const pki = `${f.root}/etc/etcd/pki`;
    const health = `curl -fsS --max-time 10 --cacert ${pki}/ca.crt --cert ${pki}/server.crt --key ${pki}/server.key -o /dev/null https://127.0.0.1:2379/health`;
    expect(r.calls.filter((c) => c.startsWith('systemctl ') || c.includes('/health'))).toEqual([
      'systemctl daemon-reload',
      'systemctl enable etcd',
      'systemctl start --no-block etcd',
      health,
      health,
      health,
    ]);
    expect(r.stdout).toContain('waiting for etcd to be healthy: try 2/120 failed');
    expect(r.calls.some((c) => /containerd|kubelet|kubeadm/.test(c))).toBe(false);
    for (const b of ['etcd', 'etcdctl']) expect(statSync(join(f.root, 'usr/local/bin', b)).mode & 0o777, b).toBe(0o755);
    expect(existsSync(join(f.root, 'usr/local/bin/etcdutl'))).toBe(false);
    expect(existsSync(join(f.root, 'usr/local/bin/README.md'))).toBe(false);
    expect(statSync(join(f.root, 'var/lib/etcd')).mode & 0o777).toBe(0o700);
    expect(existsSync(join(f.root, 'var/cache/kspray'))).toBe(false);
    expect(readdirSync(join(f.root, 'var/lib/kspray/phases')).sort()).toEqual(['done.done', 'etcd.done', 'prepare-os.done']);
  });

  it('a control plane that is also an etcd member (KSPRAY_ETCD_MEMBER=yes) runs its etcd phase after the installs and before kubeadm init', () => {
    const f = fixture({ KSPRAY_CLUSTER: 'demo', KSPRAY_NODE_NAME: 'cp-1', KSPRAY_ACTION: 'init', KSPRAY_ETCD_MEMBER: 'yes', KSPRAY_ETCD_ENDPOINTS: 'https://10.0.1.11:2379' }, 'etcd');
    // Install phases already done for this downloads.tsv (their marker holds the hash of their input).
    const tsv = readFileSync(join(f.root, 'etc/kspray/downloads.tsv'), 'utf8');
    writeFile(join(f.root, 'var/lib/kspray/phases/prepare-os.done'), `${sha256('')}  -\n`);
    for (const p of ['install-runtime', 'install-kubernetes']) writeFile(join(f.root, 'var/lib/kspray/phases', `${p}.done`), `${sha256(tsv)}  -\n`);
    const r = run(f);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(started(r.stdout)).toEqual(['etcd', 'init', 'cluster-addons', 'done']);
    const order = r.calls.filter((c) => c === 'systemctl start --no-block etcd' || c.startsWith('kubeadm init'));
    expect(order).toEqual(['systemctl start --no-block etcd', `kubeadm init --config ${f.root}/etc/kspray/kubeadm.yaml --skip-token-print`]);
    expect(statSync(join(f.root, 'usr/local/bin/etcd')).mode & 0o777).toBe(0o755);
  });

  it('refuses an etcd tarball with the wrong checksum', () => {
    const f = fixture({ KSPRAY_ACTION: 'etcd' }, 'etcd');
    const tsv = join(f.root, 'etc/kspray/downloads.tsv');
    writeFileSync(tsv, readFileSync(tsv, 'utf8').replace(/\t[0-9a-f]{64}\n/, `\t${'0'.repeat(64)}\n`));
    const r = run(f);
    expect(r.code).toBe(1);
    expect(readFileSync(join(f.root, 'var/lib/kspray/status'), 'utf8')).toMatch(/^phase=etcd state=failed .*sha256 mismatch, refused: etcd-v3\.6\.5-linux-amd64\.tar\.gz/);
    expect(existsSync(join(f.root, 'usr/local/bin/etcd'))).toBe(false);
  });

  it('the first control plane waits for any etcd member to be healthy (apiserver-etcd-client) before kubeadm init', () => {
    const endpoints = 'https://10.0.1.11:2379 https://10.0.1.12:2379';
    const f = fixture({ KSPRAY_CLUSTER: 'demo', KSPRAY_NODE_NAME: 'cp-1', KSPRAY_ACTION: 'init', KSPRAY_ETCD_ENDPOINTS: endpoints }, 'kubernetes');
    const r = run(f, { FAKE_HEALTH_FAILS: '3' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const pki = `${f.root}/etc/kubernetes/pki`;
    const curl = (u: string) =>
      `curl -fsS --max-time 10 --cacert ${pki}/etcd/ca.crt --cert ${pki}/apiserver-etcd-client.crt --key ${pki}/apiserver-etcd-client.key -o /dev/null ${u}/health`;
    const relevant = r.calls.filter((c) => c.includes('/health') || c.startsWith('kubeadm '));
    expect(relevant).toEqual([
      curl('https://10.0.1.11:2379'),
      curl('https://10.0.1.12:2379'),
      curl('https://10.0.1.11:2379'),
      curl('https://10.0.1.12:2379'),
      `kubeadm init --config ${f.root}/etc/kspray/kubeadm.yaml --skip-token-print`,
    ]);
  });
});
