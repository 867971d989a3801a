// The os, containerd, kubelet and bootstrap builders: what each node is told (node.env), what it
// downloads, and the config files, checked with real parsers where the machine has them
// (bash for node.env, python3's tomllib for containerd's TOML, systemd-analyze for the units).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeDownloads } from '../../src/catalog/catalog.js';
import type { ClusterModel, NodeModel } from '../../src/model/model.js';
import { toModel } from '../../src/model/toModel.js';
import type { Builder } from '../../src/plan/builder.js';
import { bootstrapBuilder } from '../../src/plan/builders/bootstrap.js';
import { containerdBuilder } from '../../src/plan/builders/containerd.js';
import { kubeletBuilder } from '../../src/plan/builders/kubelet.js';
import { osBuilder } from '../../src/plan/builders/os.js';
import { newPlan, type NodePlan } from '../../src/plan/nodePlan.js';
import { envFile, shellQuote } from '../../src/text/shell.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import { loadSpec } from '../../src/api/loadSpec.js';
import { haveTool, tool } from '../helpers/validators.js';
import { shipNodeProgram } from '../../src/plan/nodeProgram.js';

const pki = {} as IssuedPki; // these builders never read the PKI

function model(extraSpec = ''): ClusterModel {
  const text = `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata:
  name: demo
spec:
${extraSpec}  nodes:
    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }
    - { name: w-1, address: 10.0.0.21, roles: [worker] }
    - { name: cp-2, address: 10.0.0.12, roles: [control-plane] }
    - { name: cp-3, address: 10.0.0.13, roles: [control-plane], arch: arm64 }
  pools:
    - { name: workers, roles: [worker], count: 3 }
    - { name: flatcar, roles: [worker], os: flatcar }
    - { name: fcos, roles: [worker], os: fedora-coreos }
`;
  return toModel(loadSpec(text, 'cluster.yaml').spec, 'cluster.yaml');
}

const nodeOf = (m: ClusterModel, name: string): NodeModel => m.nodes.find((n) => n.name === name)!;

function build(m: ClusterModel, name: string, ...builders: Builder[]): NodePlan {
  const node = nodeOf(m, name);
  const plan = newPlan(node);
  for (const b of builders) b.build({ model: m, node, pki, plan });
  return plan;
}

const file = (plan: NodePlan, path: string) => {
  const f = plan.files.get(path);
  if (!f) throw new Error(`${path} not in the plan of ${plan.node.name}`);
  return f;
};

/** node.env as bash sees it: the program `source`s it. */
function sourced(envText: string): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-env-'));
  try {
    writeFileSync(join(dir, 'node.env'), envText);
    const r = spawnSync('bash', ['--norc', '-c', 'set -eua; source "$1"; env -0', 'sh', join(dir, 'node.env')], {
      env: { PATH: '/usr/bin:/bin', HOME: dir },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return Object.fromEntries(
      r.stdout
        .split('\0')
        .filter((l) => l.startsWith('KSPRAY_'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const envOf = (m: ClusterModel, name: string) => sourced(file(build(m, name, bootstrapBuilder), '/etc/kspray/node.env').content);

describe('node.env', () => {
  it('single-quotes values so a quote survives `source` unchanged', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const tricky = `a'b "c" $HOME \`id\` \\ ;|&`;
    expect(sourced(envFile([['KSPRAY_X', tricky], ['KSPRAY_EMPTY', '']]))).toEqual({ KSPRAY_X: tricky, KSPRAY_EMPTY: '' });
    expect(() => envFile([['not a name', 'x']])).toThrow(/invalid variable name/);

    // Through the builder: a registry with a quote reaches KSPRAY_PAUSE_IMAGE intact.
    const m = model(`  artifacts: { registry: "reg.example/it's" }\n`);
    expect(m.images.pause).toContain("it's");
    expect(envOf(m, 'cp-1').KSPRAY_PAUSE_IMAGE).toBe(m.images.pause);
  });

  it('the first control plane inits and waits for nothing', () => {
    const m = model();
    expect(envOf(m, 'cp-1')).toEqual({
      KSPRAY_CLUSTER: 'demo',
      KSPRAY_NODE_NAME: 'cp-1',
      KSPRAY_ACTION: 'init',
      KSPRAY_OS: 'ubuntu-24.04',
      KSPRAY_ARCH: 'amd64',
      KSPRAY_KUBERNETES_VERSION: m.kubernetes.version,
      KSPRAY_API_ENDPOINT: '10.0.0.11:6443',
      KSPRAY_WAIT_FOR: '',
      KSPRAY_LOCAL_API_SERVER: '',
      KSPRAY_KUBE_PROXY_SERVER: 'https://127.0.0.1:6443',
      KSPRAY_PAUSE_IMAGE: m.images.pause,
      KSPRAY_ETCD_ENDPOINTS: '',
      KSPRAY_BIN_DIR: '/usr/local/bin',
      KSPRAY_INSTALL_CONTAINERD: 'yes',
      KSPRAY_PACKAGE_MANAGER: 'apt',
      KSPRAY_PACKAGES: 'conntrack socat ipset ipvsadm ebtables ethtool iptables curl ca-certificates',
      KSPRAY_SELINUX: '',
      KSPRAY_FIREWALLD: '',
    });
  });

  it('a worker joins as a worker after the first control plane answers, then uses the localhost proxy', () => {
    const env = envOf(model(), 'w-1');
    expect(env.KSPRAY_ACTION).toBe('join-worker');
    expect(env.KSPRAY_WAIT_FOR).toBe('https://10.0.0.11:6443/readyz');
    expect(env.KSPRAY_LOCAL_API_SERVER).toBe('https://127.0.0.1:6443');
    expect(env.KSPRAY_KUBE_PROXY_SERVER).toBe('');

    const pool = envOf(model(), 'workers');
    expect(pool.KSPRAY_NODE_NAME).toBe(''); // pool members use their hostname
    expect(pool.KSPRAY_ACTION).toBe('join-worker');
    expect(pool.KSPRAY_WAIT_FOR).toBe('https://10.0.0.11:6443/readyz');
  });

  it('control planes join one at a time: cp-2 waits for cp-1, cp-3 for cp-1 and cp-2', () => {
    const m = model();
    const cp2 = envOf(m, 'cp-2');
    expect(cp2.KSPRAY_ACTION).toBe('join-control-plane');
    expect(cp2.KSPRAY_WAIT_FOR).toBe('https://10.0.0.11:6443/readyz');
    // After joining, a control plane's kubelet talks to its own apiserver, not to cp-1.
    expect(cp2.KSPRAY_LOCAL_API_SERVER).toBe('https://127.0.0.1:6443');
    expect(envOf(m, 'cp-3').KSPRAY_WAIT_FOR).toBe('https://10.0.0.11:6443/readyz https://10.0.0.12:6443/readyz');
  });

  it('uses the bind port, and no local proxy with an external load balancer', () => {
    const m = model(`  controlPlane: { endpoint: "api.demo.internal:443", loadBalancer: external, port: 8443 }\n`);
    const env = envOf(m, 'w-1');
    expect(env.KSPRAY_WAIT_FOR).toBe('https://10.0.0.11:8443/readyz');
    expect(env.KSPRAY_LOCAL_API_SERVER).toBe('');
    expect(envOf(m, 'cp-1').KSPRAY_KUBE_PROXY_SERVER).toBe('');
    expect(env.KSPRAY_API_ENDPOINT).toBe('api.demo.internal:443');
    expect(envOf(m, 'cp-3').KSPRAY_WAIT_FOR).toBe('https://10.0.0.11:8443/readyz https://10.0.0.12:8443/readyz');
  });
});

describe('bootstrap builder', () => {
  it('ships the node program (as plan/nodeProgram.ts strips it), its unit, node.env (0600, not a secret) and downloads.tsv', () => {
    const m = model(`  ssh: { authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsprayExampleKeyOnlyNotARealKeyxxxxxxxxxx test"] }\n`);
    const plan = build(m, 'w-1', bootstrapBuilder);
    const program = file(plan, '/usr/local/lib/kspray/kspray-node.sh');
    expect(program.content).toBe(shipNodeProgram(readFileSync(new URL('../../node/kspray-node.sh', import.meta.url), 'utf8')));
    expect(program.mode).toBe(0o755);
    const env = file(plan, '/etc/kspray/node.env');
    expect(env.mode).toBe(0o600);
    expect(env.secret).toBeFalsy();
    expect(env.origin).toEqual(['spec', 'nodes', 1]);
    expect(plan.startUnits).toEqual(['kspray-bootstrap.service']);
    expect(plan.sshAuthorizedKeys).toEqual(['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsprayExampleKeyOnlyNotARealKeyxxxxxxxxxx test']);

    const unit = file(plan, '/etc/systemd/system/kspray-bootstrap.service').content;
    for (const line of [
      'Type=oneshot',
      'After=network-online.target',
      'Wants=network-online.target',
      'ExecStart=/bin/bash /usr/local/lib/kspray/kspray-node.sh',
      'Restart=on-failure',
      'RestartSec=30',
      'RemainAfterExit=yes',
      'TimeoutStartSec=0',
      'ConditionPathExists=!/var/lib/kspray/done',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
  });

  it('lists the catalog downloads for the node architecture, through the mirror when set', () => {
    const m = model(`  artifacts: { mirror: "https://files.internal/kspray/" }\n`);
    const tsv = file(build(m, 'cp-3', bootstrapBuilder), '/etc/kspray/downloads.tsv').content;
    const expected = nodeDownloads(m.versions, 'arm64', 'https://files.internal/kspray/');
    expect(tsv).toBe(expected.map((d) => `${d.id}\t${d.url}\t${d.sha256}\n`).join(''));
    expect(tsv.split('\n').filter(Boolean).map((l) => l.split('\t')[0])).toEqual([
      'kubeadm',
      'kubelet',
      'kubectl',
      'containerd',
      'runc',
      'cni-plugins',
      'crictl',
    ]);
    expect(tsv).toContain('https://files.internal/kspray/dl.k8s.io/release/');
    expect(tsv).toMatch(/linux\/arm64\/kubeadm\t[0-9a-f]{64}\n/);
  });
});

describe('os builder', () => {
  it('writes the sysctls kubelet and kube-proxy need, and the ipvs modules only for ipvs', () => {
    const ipvs = build(model(), 'w-1', osBuilder);
    const sysctl = file(ipvs, '/etc/sysctl.d/99-kubernetes.conf').content;
    for (const kv of [
      'net.ipv4.ip_forward = 1',
      'net.bridge.bridge-nf-call-iptables = 1',
      'net.bridge.bridge-nf-call-ip6tables = 1',
      'vm.overcommit_memory = 1',
      'kernel.panic = 10',
      'kernel.panic_on_oops = 1',
      'fs.inotify.max_user_watches = 524288',
      'fs.inotify.max_user_instances = 8192',
    ]) {
      expect(sysctl.split('\n')).toContain(kv);
    }
    const modules = (p: NodePlan) =>
      file(p, '/etc/modules-load.d/kubernetes.conf')
        .content.split('\n')
        .filter((l) => l && !l.startsWith('#'));
    expect(modules(ipvs)).toEqual(['overlay', 'br_netfilter', 'ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh', 'nf_conntrack']);
    const iptables = build(model(`  kubernetes: { proxyMode: iptables }\n`), 'w-1', osBuilder);
    expect(modules(iptables)).toEqual(['overlay', 'br_netfilter']);
  });
});

/** containerd's config as a TOML parser reads it (python3's tomllib), or undefined without one. */
function parseToml(text: string): Record<string, any> | undefined {
  const r = spawnSync('python3', ['-c', 'import json,sys,tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'], {
    input: text,
    encoding: 'utf8',
  });
  if (r.error || (r.status !== 0 && /No module named 'tomllib'/.test(r.stderr))) return undefined;
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('containerd builder', () => {
  it('writes a containerd 2.x (version 3) config: systemd cgroups, pinned pause image, certs.d hosts', () => {
    const m = model();
    const plan = build(m, 'w-1', containerdBuilder);
    const toml = file(plan, '/etc/containerd/config.toml').content;
    expect(toml).toMatch(/^version = 3$/m);
    expect(toml).toContain(`sandbox = "${m.images.pause}"`);
    const parsed = parseToml(toml);
    if (parsed) {
      expect(parsed.version).toBe(3);
      const images = parsed.plugins['io.containerd.cri.v1.images'];
      const runtime = parsed.plugins['io.containerd.cri.v1.runtime'];
      expect(images.pinned_images.sandbox).toBe(m.images.pause);
      expect(images.registry.config_path).toBe('/etc/containerd/certs.d');
      expect(runtime.containerd.default_runtime_name).toBe('runc');
      expect(runtime.containerd.runtimes.runc.runtime_type).toBe('io.containerd.runc.v2');
      expect(runtime.containerd.runtimes.runc.options).toEqual({ SystemdCgroup: true, BinaryName: '/usr/local/sbin/runc' });
      expect(Object.keys(parsed.plugins).sort()).toEqual(['io.containerd.cri.v1.images', 'io.containerd.cri.v1.runtime']);
    }
    expect(file(plan, '/etc/systemd/system/containerd.service').content).toContain('\nExecStart=/usr/local/bin/containerd\n');
    expect(file(plan, '/etc/crictl.yaml').content).toBe(
      'runtime-endpoint: unix:///run/containerd/containerd.sock\nimage-endpoint: unix:///run/containerd/containerd.sock\ntimeout: 30\ndebug: false\n',
    );
    expect(plan.files.has('/etc/containerd/certs.d/_default/hosts.toml')).toBe(false);
  });

  it('sends every registry through spec.artifacts.registry when set', () => {
    const m = model(`  artifacts: { registry: "registry.internal:5000" }\n`);
    const plan = build(m, 'w-1', containerdBuilder);
    const hosts = file(plan, '/etc/containerd/certs.d/_default/hosts.toml');
    expect(hosts.origin).toEqual(['spec', 'artifacts', 'registry']);
    const parsed = parseToml(hosts.content);
    if (parsed) expect(parsed).toEqual({ host: { 'https://registry.internal:5000': { capabilities: ['pull', 'resolve'] } } });
    expect(file(plan, '/etc/containerd/config.toml').content).toContain('sandbox = "registry.internal:5000/pause:');
  });
});

describe('kubelet builder', () => {
  it('writes the kubelet unit and kubeadm drop-in with the binary in /usr/local/bin', () => {
    const plan = build(model(), 'cp-2', kubeletBuilder);
    const unit = file(plan, '/etc/systemd/system/kubelet.service').content.split('\n');
    expect(unit).toContain('ExecStart=/usr/local/bin/kubelet');
    expect(unit).toContain('Restart=always');
    const dropin = file(plan, '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf').content.split('\n');
    expect(dropin).toContain(
      'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"',
    );
    expect(dropin).toContain('Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"');
    expect(dropin).toContain('EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env');
    expect(dropin).toContain('EnvironmentFile=-/etc/default/kubelet');
    expect(dropin.filter((l) => l.startsWith('ExecStart='))).toEqual([
      'ExecStart=',
      'ExecStart=/usr/local/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS',
    ]);
  });
});

describe('systemd units', () => {
  it.runIf(haveTool('systemd-analyze'))('pass systemd-analyze verify (binaries swapped for /bin/true: they are not installed here)', () => {
    const plan = build(model(), 'w-1', containerdBuilder, kubeletBuilder, bootstrapBuilder);
    const dir = mkdtempSync(join(tmpdir(), 'kspray-units-'));
    try {
      const units = ['containerd.service', 'kubelet.service', 'kspray-bootstrap.service'];
      for (const u of units) {
        const text = file(plan, `/etc/systemd/system/${u}`).content.replace(
          /^(ExecStart=)\/usr\/local\/(bin\/containerd|bin\/kubelet|lib\/kspray\/kspray-node\.sh)$/m,
          '$1/bin/true',
        );
        writeFileSync(join(dir, u), text);
      }
      const r = spawnSync(tool('systemd-analyze'), ['verify', ...units.map((u) => join(dir, u))], { encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Ignition operating systems', () => {
  it('Flatcar: binaries in /opt/bin, the OS containerd configured (not installed), no package manager', () => {
    const m = model();
    const env = envOf(m, 'flatcar');
    expect([env.KSPRAY_BIN_DIR, env.KSPRAY_INSTALL_CONTAINERD, env.KSPRAY_PACKAGE_MANAGER]).toEqual(['/opt/bin', 'no', 'none']);
    const plan = build(m, 'flatcar', containerdBuilder, kubeletBuilder, bootstrapBuilder);
    expect(file(plan, '/etc/kspray/downloads.tsv').content.split('\n').map((l) => l.split('\t')[0]).filter(Boolean).sort()).toEqual([
      'cni-plugins',
      'crictl',
      'kubeadm',
      'kubectl',
      'kubelet',
    ]);
    expect(plan.files.has('/etc/systemd/system/containerd.service')).toBe(false);
    const dropin = file(plan, '/etc/systemd/system/containerd.service.d/10-kspray.conf');
    expect(dropin.content.split('\n').filter((l) => l.startsWith('ExecStart='))).toEqual([
      'ExecStart=',
      'ExecStart=/usr/bin/containerd --config /etc/containerd/config.toml',
    ]);
    expect(dropin.origin).toEqual(['spec', 'pools', 1, 'os']);
    const toml = parseToml(file(plan, '/etc/containerd/config.toml').content);
    if (toml) {
      const cri = toml.plugins['io.containerd.grpc.v1.cri'];
      expect(toml.version).toBe(2);
      expect(cri.sandbox_image).toBe(m.images.pause);
      expect(cri.containerd.runtimes.runc.options).toEqual({ SystemdCgroup: true, BinaryName: '/usr/bin/runc' });
    }
    expect(file(plan, '/etc/systemd/system/kubelet.service').content).toContain('\nExecStart=/opt/bin/kubelet\n');
    expect(file(plan, '/etc/systemd/system/kspray-bootstrap.service').content).toContain('\nExecStart=/bin/bash /opt/kspray/kspray-node.sh\n');
    expect(plan.files.get('/opt/kspray/kspray-node.sh')?.mode).toBe(0o755);
    expect([...plan.files.keys()].filter((p) => p.startsWith('/usr/'))).toEqual([]);
  });

  it('Fedora CoreOS: the Ubuntu layout under /usr/local (writable there), containerd from the catalog, no package manager', () => {
    const m = model();
    const env = envOf(m, 'fcos');
    expect([env.KSPRAY_BIN_DIR, env.KSPRAY_INSTALL_CONTAINERD, env.KSPRAY_PACKAGE_MANAGER]).toEqual(['/usr/local/bin', 'yes', 'none']);
    const plan = build(m, 'fcos', containerdBuilder, bootstrapBuilder);
    expect(file(plan, '/etc/kspray/downloads.tsv').content).toMatch(/^containerd\t/m);
    expect(file(plan, '/etc/systemd/system/containerd.service').content).toContain('ExecStart=/usr/local/bin/containerd');
    expect([...plan.files.keys()].filter((p) => p.startsWith('/usr/') && !p.startsWith('/usr/local/'))).toEqual([]);
  });
});
