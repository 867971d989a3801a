// The node program's runtime branches, run for real under bash with KSPRAY_ROOT and stub commands
// (as test/node/kspray-node.test.ts): cri-o from a bundle laid out like the official
// cri-o.<arch>.v<version>.tar.gz (both its current bin/<name> and its older bin/crio-<name> names),
// and spec.proxy reaching curl and kubeadm through node.env.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_STUBS, nodeLayout, runProgram, sha256File, stubPath, stubScript, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';

// Logs "name args" and, for curl and kubeadm, the proxy variables they were given.
const STUB = stubScript({
  always: `case $name in
  curl | kubeadm) printf '%s env http_proxy=%s https_proxy=%s no_proxy=%s\\n' "$name" "\${http_proxy-unset}" "\${https_proxy-unset}" "\${no_proxy-unset}" >>"$CALLS" ;;
esac`,
});
const tempDir = trackedTempDirs();

/** A worker's root with downloads.tsv for `ids`, node.env from `env`, the artifacts on a fake server. */
function fixture(env: Record<string, string>, ids: string[], crioBinPrefix = '') {
  const { dir, root, srv, stubs, calls } = nodeLayout(tempDir('kspray-node-rt-'), NODE_STUBS, STUB);

  const stage = join(dir, 'stage');
  const crioFiles = [
    'cri-o/bin/crio',
    'cri-o/bin/pinns',
    'cri-o/bin/crictl',
    `cri-o/bin/${crioBinPrefix}conmon`,
    `cri-o/bin/${crioBinPrefix}conmonrs`,
    `cri-o/bin/${crioBinPrefix}crun`,
    `cri-o/bin/${crioBinPrefix}runc`,
    'cri-o/cni-plugins/bridge',
  ];
  for (const f of [...crioFiles, 'ctd/bin/containerd', 'cni/bridge', 'crictl/crictl']) writeFile(join(stage, f), `#!/bin/sh\necho ${f}\n`, 0o755);
  writeFile(join(stage, 'cri-o/contrib/crio.service'), '[Service]\nExecStart=/usr/local/bin/crio\n');
  writeFile(join(stage, 'cri-o/contrib/policy.json'), '{ "default": [{ "type": "insecureAcceptAnything" }] }\n');
  writeFile(join(stage, 'cri-o/etc/10-crio.conf'), '[crio.runtime]\n');
  mkdirSync(srv, { recursive: true });
  execFileSync('tar', ['-czf', join(srv, 'cri-o.amd64.v1.35.4.tar.gz'), '-C', stage, 'cri-o']);
  execFileSync('tar', ['-czf', join(srv, 'containerd.tar.gz'), '-C', join(stage, 'ctd'), 'bin']);
  execFileSync('tar', ['-czf', join(srv, 'cni-plugins.tgz'), '-C', join(stage, 'cni'), '.']);
  execFileSync('tar', ['-czf', join(srv, 'crictl.tar.gz'), '-C', join(stage, 'crictl'), 'crictl']);
  for (const b of ['runc.amd64', 'kubeadm', 'kubelet', 'kubectl']) writeFile(join(srv, b), `binary ${b}\n`);
  const files: Record<string, string> = {
    kubeadm: 'kubeadm',
    kubelet: 'kubelet',
    kubectl: 'kubectl',
    'cri-o': 'cri-o.amd64.v1.35.4.tar.gz',
    containerd: 'containerd.tar.gz',
    runc: 'runc.amd64',
    'cni-plugins': 'cni-plugins.tgz',
    crictl: 'crictl.tar.gz',
  };
  const etc = join(root, 'etc/kspray');
  writeFile(join(etc, 'downloads.tsv'), ids.map((id) => `${id}\thttps://files.example/x/${files[id]}\t${sha256File(join(srv, files[id]!))}\n`).join(''));
  writeFile(join(etc, 'node.env'), Object.entries(env).map(([k, v]) => `${k}='${v}'\n`).join(''), 0o600);
  writeFile(join(etc, 'kubeadm.yaml'), 'kind: JoinConfiguration\n', 0o600);
  const run = () => runProgram({ PATH: stubPath(stubs), HOME: dir, KSPRAY_ROOT: root, CALLS: calls, SRV: srv });
  return { root, run };
}

const WORKER = { KSPRAY_CLUSTER: 'demo', KSPRAY_NODE_NAME: 'w-1', KSPRAY_ACTION: 'join-worker', KSPRAY_WAIT_FOR: '', KSPRAY_LOCAL_API_SERVER: '' };
const CRIO_ENV = { ...WORKER, KSPRAY_INSTALL_CONTAINERD: 'no', KSPRAY_CONTAINER_RUNTIME: 'cri-o' };
const CRIO_IDS = ['kubeadm', 'kubelet', 'kubectl', 'cri-o', 'cni-plugins', 'crictl'];
const mode = (p: string) => statSync(p).mode & 0o777;

describe('kspray-node.sh with KSPRAY_CONTAINER_RUNTIME=cri-o', () => {
  it.each([
    ['current bundle (bin/conmon, bin/crun, bin/runc)', ''],
    ['older bundle (bin/crio-conmon, bin/crio-crun, bin/crio-runc)', 'crio-'],
  ])('installs cri-o from the %s and starts crio, not containerd', (_, prefix) => {
    const f = fixture(CRIO_ENV, CRIO_IDS, prefix);
    const r = f.run();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const p of ['usr/local/bin/crio', 'usr/local/bin/pinns', 'usr/local/libexec/crio/conmon', 'usr/local/libexec/crio/crun', 'usr/local/libexec/crio/runc']) {
      expect(mode(join(f.root, p)), p).toBe(0o755);
    }
    // The runtimes are the bundle's own, each under the name the drop-in uses.
    expect(readFileSync(join(f.root, 'usr/local/libexec/crio/crun'), 'utf8')).toContain(`cri-o/bin/${prefix}crun`);
    expect(readFileSync(join(f.root, 'etc/systemd/system/crio.service'), 'utf8')).toContain('ExecStart=/usr/local/bin/crio');
    expect(existsSync(join(f.root, 'etc/containers/policy.json'))).toBe(true);
    // crictl and the CNI plugins come from the catalog, never the bundle; no containerd, no runc download.
    expect(readFileSync(join(f.root, 'usr/local/bin/crictl'), 'utf8')).toContain('crictl/crictl');
    expect(readFileSync(join(f.root, 'opt/cni/bin/bridge'), 'utf8')).toContain('cni/bridge');
    expect(existsSync(join(f.root, 'usr/local/bin/containerd'))).toBe(false);
    expect(existsSync(join(f.root, 'usr/local/sbin/runc'))).toBe(false);
    expect(existsSync(join(f.root, 'var/cache/kspray'))).toBe(false);
    expect(r.calls).toContain('systemctl enable --now crio');
    expect(r.calls.some((c) => c.includes('containerd'))).toBe(false);
  });

  it('keeps a policy.json the OS already has, and is idempotent on a rerun of the phase', () => {
    const f = fixture(CRIO_ENV, CRIO_IDS);
    writeFile(join(f.root, 'etc/containers/policy.json'), '{"default":[{"type":"reject"}]}\n');
    expect(f.run().code).toBe(0);
    expect(readFileSync(join(f.root, 'etc/containers/policy.json'), 'utf8')).toContain('reject');
    rmSync(join(f.root, 'var/lib/kspray'), { recursive: true });
    const again = f.run();
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(mode(join(f.root, 'usr/local/bin/crio'))).toBe(0o755);
  });

  it('fails the phase when downloads.tsv has no cri-o bundle', () => {
    const f = fixture(CRIO_ENV, ['kubeadm', 'kubelet', 'kubectl', 'cni-plugins', 'crictl']);
    const r = f.run();
    expect(r.code).toBe(1);
    expect(readFileSync(join(f.root, 'var/lib/kspray/status'), 'utf8')).toMatch(/^phase=install-runtime state=failed .*no download 'cri-o' in downloads.tsv/);
  });
});

describe('kspray-node.sh with spec.proxy', () => {
  const CONTAINERD_IDS = ['kubeadm', 'kubelet', 'kubectl', 'containerd', 'runc', 'cni-plugins', 'crictl'];

  it('gives curl and kubeadm the proxy from node.env', () => {
    const env = { ...WORKER, KSPRAY_HTTP_PROXY: 'http://proxy.internal:3128', KSPRAY_HTTPS_PROXY: 'http://proxy.internal:3129', KSPRAY_NO_PROXY: 'localhost,127.0.0.1,10.0.0.11' };
    const r = fixture(env, CONTAINERD_IDS).run();
    expect(r.code).toBe(0);
    const seen = r.calls.filter((c) => / env /.test(c));
    expect(seen.length).toBeGreaterThan(7);
    const want = 'env http_proxy=http://proxy.internal:3128 https_proxy=http://proxy.internal:3129 no_proxy=localhost,127.0.0.1,10.0.0.11';
    expect(seen.every((c) => c.endsWith(want)), seen.join('\n')).toBe(true);
    expect(seen.some((c) => c.startsWith('kubeadm '))).toBe(true);
  });

  it('leaves the environment alone without a proxy', () => {
    const r = fixture(WORKER, CONTAINERD_IDS).run();
    expect(r.code).toBe(0);
    const seen = r.calls.filter((c) => / env /.test(c));
    expect(seen.length).toBeGreaterThan(7);
    expect(seen.every((c) => c.endsWith('env http_proxy=unset https_proxy=unset no_proxy=unset')), seen.join('\n')).toBe(true);
  });
});
