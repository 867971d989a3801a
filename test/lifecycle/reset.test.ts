// kspray reset: the script is shellcheck-clean, parses, and run twice under a temporary root with
// stub commands on PATH it succeeds both times, removing kspray's paths and only them; the
// #cloud-config variant passes the cloud-config schema.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RESET_PATHS, RESET_SCRIPT_PATH, resetCloudConfig, resetOptionsForNode, resetScript } from '../../src/lifecycle/reset.js';
import { SCENARIOS, exampleFile, loadExample, renderFixture, repoRoot } from '../helpers/fixtures.js';
import { cloudConfigValidator, cloudInitRoot, cloudInitSchema, findTool } from '../helpers/validators.js';

// Always required (no skip): the shell programs kspray ships are only as good as this check.
const SHELLCHECK = findTool('shellcheck') ?? 'shellcheck';
const script = resetScript({ node: 'worker-1' });

function tmpFile(name: string, content: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'kspray-reset-')), name);
  writeFileSync(f, content, { mode: 0o755 });
  return f;
}

describe('reset script', () => {
  it('passes shellcheck (no check disabled) and bash -n', () => {
    expect(findTool('shellcheck'), 'shellcheck is required for this test').toBeDefined();
    const file = tmpFile('reset.sh', script);
    const sc = spawnSync(SHELLCHECK, ['--shell=bash', '--severity=style', file], { encoding: 'utf8' });
    expect(`${sc.stdout}${sc.stderr}`).toBe('');
    expect(sc.status).toBe(0);
    expect(script).not.toMatch(/shellcheck\s+disable/);
    const n = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    expect(n.stderr).toBe('');
    expect(n.status).toBe(0);
  });

  it('runs twice under KSPRAY_ROOT with stub commands: kspray paths gone, the rest kept', () => {
    const base = mkdtempSync(join(tmpdir(), 'kspray-reset-run-'));
    const root = join(base, 'root');
    const bin = join(base, 'bin');
    const log = join(base, 'calls.log');
    mkdirSync(bin, { recursive: true });
    const touch = (p: string) => {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), 'x');
    };
    for (const p of ['etc/kubernetes/pki/ca.crt', 'var/lib/kubelet/config.yaml', 'var/lib/etcd/member/wal', 'etc/kspray/node.env', 'var/lib/kspray/phases/install.done',
      'opt/cni/bin/bridge', 'etc/cni/net.d/10-calico.conflist', 'etc/nginx/nginx.conf', 'usr/local/bin/kubeadm', 'usr/local/bin/containerd', 'usr/local/sbin/runc',
      'opt/bin/kubelet', 'etc/systemd/system/kspray-bootstrap.service', 'etc/systemd/system/kubelet.service.d/10-kubeadm.conf',
      // kept:
      'etc/hostname', 'usr/local/bin/other-tool', 'etc/systemd/system/sshd.service', 'opt/other/file']) touch(p);
    for (const l of ['cali1a2b3c', 'vxlan.calico', 'tunl0', 'kube-ipvs0', 'nodelocaldns', 'eth0', 'lo']) mkdirSync(join(root, 'sys/class/net', l), { recursive: true });

    const stub = (name: string, body = '') => {
      writeFileSync(join(bin, name), `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >>"${log}"\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    for (const c of ['kubeadm', 'systemctl', 'crictl', 'ip', 'ipvsadm', 'umount', 'cloud-init']) stub(c);
    const rules = '*filter\\n:INPUT ACCEPT [0:0]\\n:KUBE-SERVICES - [0:0]\\n:cali-INPUT - [0:0]\\n-A INPUT -j KUBE-SERVICES\\n-A INPUT -j cali-INPUT\\n-A INPUT -p tcp --dport 22 -j ACCEPT\\nCOMMIT';
    for (const v of ['iptables', 'ip6tables']) {
      stub(`${v}-save`, `printf '${rules}\\n'`);
      stub(`${v}-restore`, `cat >>"${base}/${v}.restored"`);
    }
    stub('nft', `if [[ "$*" == "list tables" ]]; then printf 'table ip kube-proxy\\ntable ip6 kube-proxy\\ntable inet filter\\ntable ip calico\\n'; fi`);

    const run = () =>
      spawnSync('bash', [tmpFile('reset.sh', script)], { encoding: 'utf8', env: { ...process.env, KSPRAY_ROOT: root, PATH: `${bin}:${process.env.PATH}` } });
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('done; re-apply the payload of worker-1');
    const calls1 = readFileSync(log, 'utf8');
    const second = run();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('warning');

    for (const p of ['etc/kubernetes', 'var/lib/kubelet', 'var/lib/etcd', 'etc/kspray', 'var/lib/kspray', 'opt/cni', 'etc/cni', 'etc/nginx', 'usr/local/bin/kubeadm',
      'usr/local/bin/containerd', 'usr/local/sbin/runc', 'opt/bin/kubelet', 'etc/systemd/system/kspray-bootstrap.service', 'etc/systemd/system/kubelet.service.d'])
      expect(existsSync(join(root, p)), p).toBe(false);
    for (const p of ['etc/hostname', 'usr/local/bin/other-tool', 'etc/systemd/system/sshd.service', 'opt/other/file']) expect(existsSync(join(root, p)), p).toBe(true);

    const lines = calls1.trim().split('\n');
    expect(lines).toContain('kubeadm reset -f');
    expect(lines).toContain('ipvsadm --clear');
    for (const u of ['kspray-bootstrap', 'kubelet', 'etcd', 'containerd']) expect(lines).toContain(`systemctl disable --now ${u}.service`);
    const deleted = lines.filter((l) => l.startsWith('ip link delete ')).map((l) => l.slice('ip link delete '.length)).sort();
    expect(deleted).toEqual(['cali1a2b3c', 'kube-ipvs0', 'nodelocaldns', 'tunl0', 'vxlan.calico']);
    expect(lines.filter((l) => l.startsWith('nft delete'))).toEqual(['nft delete table ip kube-proxy', 'nft delete table ip6 kube-proxy', 'nft delete table ip calico']);
    // kubeadm reset before stopping kubelet; files removed only under KSPRAY_ROOT (cloud-init clean only on a real root).
    expect(lines.indexOf('kubeadm reset -f')).toBeLessThan(lines.indexOf('systemctl disable --now kubelet.service'));
    expect(lines.some((l) => l.startsWith('cloud-init'))).toBe(false);
    const restored = readFileSync(join(base, 'iptables.restored'), 'utf8');
    expect(restored).toContain('-A INPUT -p tcp --dport 22 -j ACCEPT');
    expect(restored).not.toMatch(/KUBE-|cali/);
  });

  it('covers Kubespray reset directories that kspray nodes have', () => {
    for (const p of ['/etc/kubernetes', '/var/lib/kubelet', '/var/lib/etcd', '/etc/cni', '/var/lib/cni', '/opt/cni', '/etc/kspray', '/var/lib/kspray', '/etc/etcd', '/etc/nginx', '/etc/haproxy'])
      expect(RESET_PATHS).toContain(p);
  });
});

// The seams: a reset must undo what every runtime, network plugin and addon put on the node, not
// only the containerd + calico defaults it was written against.
describe('reset covers every runtime and network plugin', () => {
  /** The quoted paths array of a reset script. */
  const removed = (text: string) => text.slice(text.indexOf('\npaths=(\n') + 9, text.indexOf('\n)\n', text.indexOf('\npaths=(\n'))).split('\n').map((l) => l.trim());
  const covered = (paths: string[], file: string) => paths.some((p) => file === p || file.startsWith(`${p}/`));

  it('removes every file any payload writes (every example and matrix scenario, with -f)', async () => {
    const misses: string[] = [];
    for (const name of SCENARIOS) {
      const r = await renderFixture(loadExample(name));
      for (const plan of r.plans) {
        const paths = removed(resetScript(resetOptionsForNode(r.model, plan.node)));
        for (const f of plan.files.keys()) if (!covered(paths, f)) misses.push(`${name}/${plan.node.name}: ${f}`);
      }
    }
    expect(misses).toEqual([]);
    // The check itself: a path no script removes is caught.
    expect(covered(removed(script), '/etc/other/file.conf')).toBe(false);
  });

  it('cri-o node (static bundle): stops crio, removes its config, storage, libexec and binaries', () => {
    const base = mkdtempSync(join(tmpdir(), 'kspray-reset-crio-'));
    const root = join(base, 'root');
    const bin = join(base, 'bin');
    const log = join(base, 'calls.log');
    mkdirSync(bin, { recursive: true });
    for (const p of ['etc/crio/crio.conf.d/10-kspray.conf', 'var/lib/containers/storage/overlay-images/images.json', 'run/containers/storage/overlay-containers/x', 'var/lib/crio/version',
      'usr/local/bin/crio', 'usr/local/bin/pinns', 'usr/local/libexec/crio/conmon', 'usr/local/libexec/crio/crun', 'etc/systemd/system/crio.service', 'etc/systemd/system/crio.service.d/http-proxy.conf',
      'etc/crictl.yaml', 'etc/containers/policy.json', 'etc/containers/registries.conf']) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), 'x');
    }
    for (const l of ['cilium_host', 'cilium_net', 'cilium_vxlan', 'lxc_health', 'kube-bridge', 'kube-dummy-if', 'eth0']) mkdirSync(join(root, 'sys/class/net', l), { recursive: true });
    for (const c of ['kubeadm', 'systemctl', 'crictl', 'ip']) {
      writeFileSync(join(bin, c), `#!/usr/bin/env bash\nprintf '%s\\n' "${c} $*" >>"${log}"\n`);
      chmodSync(join(bin, c), 0o755);
    }
    const r = spawnSync('bash', [tmpFile('reset.sh', script)], { encoding: 'utf8', env: { ...process.env, KSPRAY_ROOT: root, PATH: `${bin}:/usr/bin:/bin` } });
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toContain('systemctl disable --now crio.service');
    for (const p of ['etc/crio', 'var/lib/containers', 'run/containers', 'var/lib/crio', 'usr/local/bin/crio', 'usr/local/bin/pinns', 'usr/local/libexec/crio', 'etc/systemd/system/crio.service', 'etc/systemd/system/crio.service.d', 'etc/crictl.yaml'])
      expect(existsSync(join(root, p)), p).toBe(false);
    // The OS's containers-common files stay (only kspray's mirror files go, with -f).
    for (const p of ['etc/containers/policy.json', 'etc/containers/registries.conf']) expect(existsSync(join(root, p)), p).toBe(true);
    const deleted = lines.filter((l) => l.startsWith('ip link delete ')).map((l) => l.slice('ip link delete '.length)).sort();
    expect(deleted).toEqual(['cilium_host', 'cilium_net', 'cilium_vxlan', 'kube-bridge', 'kube-dummy-if', 'lxc_health']);
  });
});

describe('reset as #cloud-config', () => {
  const text = resetCloudConfig({ node: 'worker-1' });

  it('writes the script and runs it; valid against the cloud-config schema', () => {
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const doc = parseYaml(text) as { write_files: Array<{ path: string; content: string; permissions: string }>; runcmd: string[][] };
    expect(doc.write_files[0]!.path).toBe(RESET_SCRIPT_PATH);
    expect(doc.write_files[0]!.content).toBe(script);
    expect(doc.runcmd).toEqual([[RESET_SCRIPT_PATH]]);
    expect(cloudConfigValidator()(doc)).toEqual([]);
    const root = cloudInitRoot();
    if (root) {
      const r = cloudInitSchema(root, tmpFile('user-data', text));
      expect(r.ok, r.output).toBe(true);
    }
  });
});

describe('kspray reset (CLI)', () => {
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');
  const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  it('prints the script; -f picks the node OS bin dir and refuses unknown nodes', () => {
    const plain = run(['reset', '--node', 'x']);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(resetScript({ node: 'x' }));
    const flatcar = run(['reset', '--node', 'cp-1', '-f', exampleFile('flatcar-ha')]);
    expect(flatcar.status, flatcar.stderr).toBe(0);
    expect(flatcar.stdout).toContain('/opt/bin/kubeadm');
    expect(flatcar.stdout).not.toContain('/usr/local/bin/kubeadm');
    const bad = run(['reset', '--node', 'nope', '-f', exampleFile('ha')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('error[reset-node-known]');
    const ci = run(['reset', '--node', 'worker-1', '--cloud-init']);
    expect(ci.stdout).toBe(resetCloudConfig({ node: 'worker-1' }));
  });
});
