// Container runtime choices: a pinned containerd (config version 2 for 1.7, 3 for 2.x), registry
// mirrors, cri-o (version from the kubernetes minor, its drop-in, registries.conf.d, CRI socket
// everywhere kubelet and kubeadm name it, its downloads) and spec.proxy (drop-ins, node.env,
// Kubespray's no_proxy). TOML is read back with python3's tomllib, a real parser.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { crioVersionFor, crioVersions, containerdConfigVersion, containerdVersions, nearbyVersions } from '../../src/catalog/runtime.js';
import { nodeDownloads } from '../../src/catalog/catalog.js';
import type { ClusterModel, NodeModel } from '../../src/model/model.js';
import { toModel } from '../../src/model/toModel.js';
import type { Builder } from '../../src/plan/builder.js';
import { bootstrapBuilder } from '../../src/plan/builders/bootstrap.js';
import { containerdBuilder } from '../../src/plan/builders/containerd.js';
import { crioBuilder } from '../../src/plan/builders/crio.js';
import { kubeadmBuilder } from '../../src/plan/builders/kubeadm.js';
import { kubeletBuilder } from '../../src/plan/builders/kubelet.js';
import { proxyBuilder } from '../../src/plan/builders/proxy.js';
import { planNode } from '../../src/plan/planNode.js';
import { newPlan, type NodePlan } from '../../src/plan/nodePlan.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import { loadSpec } from '../../src/api/loadSpec.js';
import { parseToml } from '../helpers/toml.js';
import { haveTool, tool } from '../helpers/validators.js';

// kubeadm reads only these from the PKI; the others never do.
const pki = { bootstrapToken: { id: 'abcdef', secret: '0123456789abcdef' }, caCertHash: 'sha256:00', encryptionKey: 'k' } as unknown as IssuedPki;

function model(extraSpec = '', version = '1.35.4'): ClusterModel {
  const text = `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata:
  name: demo
spec:
  kubernetes: { version: "${version}" }
${extraSpec}  nodes:
    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }
    - { name: w-1, address: 10.0.0.21, roles: [worker], arch: arm64 }
  pools:
    - { name: workers, roles: [worker], count: 3 }
`;
  return toModel(loadSpec(text, 'cluster.yaml').spec, 'cluster.yaml');
}

const nodeOf = (m: ClusterModel, name: string): NodeModel => m.nodes.find((n) => n.name === name)!;
function build(m: ClusterModel, name: string, ...builders: Builder[]): NodePlan {
  const plan = newPlan(nodeOf(m, name));
  for (const b of builders) b.build({ model: m, node: nodeOf(m, name), pki, plan });
  return plan;
}
const content = (plan: NodePlan, path: string): string => {
  const f = plan.files.get(path);
  if (!f) throw new Error(`${path} not in the plan of ${plan.node.name}`);
  return f.content;
};

describe('catalog: runtime versions', () => {
  it('config version 3 from containerd 2.0 on, 2 for 1.7', () => {
    expect(containerdConfigVersion('2.0.0')).toBe(3);
    expect(containerdConfigVersion('2.3.4')).toBe(3);
    expect(containerdConfigVersion('1.7.34')).toBe(2);
  });

  it("cri-o follows Kubespray's crio_version: newest below the next kubernetes minor, and only of the same minor", () => {
    const all = crioVersions('amd64');
    for (const k of ['1.34.3', '1.35.4', '1.36.4']) {
      const v = crioVersionFor(k)!;
      expect(v.split('.').slice(0, 2)).toEqual(k.split('.').slice(0, 2));
      expect(v).toBe(all.find((c) => c.startsWith(`${k.split('.').slice(0, 2).join('.')}.`)));
    }
    // No cri-o of 1.33 in the catalog: none, not a 1.34 one.
    expect(crioVersionFor('1.33.9')).toBeUndefined();
    expect(crioVersionFor('1.99.0')).toBeUndefined();
  });

  it('nearby versions: the same minor first, else the closest minors', () => {
    expect(nearbyVersions('1.7.99', containerdVersions('amd64'))).toEqual(containerdVersions('amd64').filter((v) => v.startsWith('1.7.')).slice(0, 6));
    expect(nearbyVersions('1.9.0', containerdVersions('amd64')).every((v) => v.startsWith('1.7.') || v.startsWith('2.'))).toBe(true);
  });
});

describe('containerd version and config', () => {
  it('defaults to the newest catalog containerd with config version 3', () => {
    const m = model();
    expect(m.containerRuntime).toEqual({ name: 'containerd', version: containerdVersions('amd64')[0], registryMirrors: [] });
    expect(parseToml(content(build(m, 'cp-1', containerdBuilder), '/etc/containerd/config.toml')).version).toBe(3);
  });

  it('a pinned 1.7 gets config version 2 with the same settings, and its tarball in downloads.tsv', () => {
    const m = model('  containerRuntime: { version: "1.7.28" }\n');
    expect(m.versions.containerd).toBe('1.7.28');
    const plan = build(m, 'w-1', containerdBuilder, bootstrapBuilder);
    const toml = parseToml(content(plan, '/etc/containerd/config.toml'));
    expect(toml.version).toBe(2);
    const cri = toml.plugins['io.containerd.grpc.v1.cri'];
    expect(cri.sandbox_image).toBe(m.images.pause);
    expect(cri.registry.config_path).toBe('/etc/containerd/certs.d');
    expect(cri.containerd.runtimes.runc.options).toEqual({ SystemdCgroup: true, BinaryName: '/usr/local/sbin/runc' });
    expect(Object.keys(toml.plugins)).toEqual(['io.containerd.grpc.v1.cri']);
    const tsv = content(plan, '/etc/kspray/downloads.tsv');
    const expected = nodeDownloads(m.versions, 'arm64').find((d) => d.id === 'containerd')!;
    expect(expected.url).toContain('/v1.7.28/containerd-1.7.28-linux-arm64.tar.gz');
    expect(tsv).toContain(`containerd\t${expected.url}\t${expected.sha256}\n`);
  });

  it('registry mirrors become certs.d/<host>/hosts.toml, docker.io served by registry-1.docker.io', () => {
    const m = model(`  containerRuntime:
    registryMirrors:
      - { host: docker.io, endpoints: ["https://mirror.internal/", "http://10.0.0.5:5000"] }
      - { host: "registry.internal:5000", endpoints: ["https://registry.internal:5000"], skipVerify: true }
`);
    const plan = build(m, 'cp-1', containerdBuilder);
    expect(parseToml(content(plan, '/etc/containerd/certs.d/docker.io/hosts.toml'))).toEqual({
      server: 'https://registry-1.docker.io',
      host: {
        'https://mirror.internal': { capabilities: ['pull', 'resolve'], skip_verify: false },
        'http://10.0.0.5:5000': { capabilities: ['pull', 'resolve'], skip_verify: false },
      },
    });
    // Order matters: containerd tries hosts in file order.
    expect(content(plan, '/etc/containerd/certs.d/docker.io/hosts.toml').indexOf('mirror.internal')).toBeLessThan(
      content(plan, '/etc/containerd/certs.d/docker.io/hosts.toml').indexOf('10.0.0.5'),
    );
    expect(parseToml(content(plan, '/etc/containerd/certs.d/registry.internal:5000/hosts.toml'))).toEqual({
      server: 'https://registry.internal:5000',
      host: { 'https://registry.internal:5000': { capabilities: ['pull', 'resolve'], skip_verify: true } },
    });
    expect(plan.files.get('/etc/containerd/certs.d/docker.io/hosts.toml')!.origin).toEqual(['spec', 'containerRuntime', 'registryMirrors', 0]);
    // config.toml points containerd at certs.d either way.
    expect(parseToml(content(plan, '/etc/containerd/config.toml')).plugins['io.containerd.cri.v1.images'].registry.config_path).toBe('/etc/containerd/certs.d');
  });

  it('_default mirrors every registry and has no server of its own', () => {
    const m = model('  containerRuntime: { registryMirrors: [{ host: _default, endpoints: ["https://cache.internal"] }] }\n');
    expect(parseToml(content(build(m, 'cp-1', containerdBuilder), '/etc/containerd/certs.d/_default/hosts.toml'))).toEqual({
      host: { 'https://cache.internal': { capabilities: ['pull', 'resolve'], skip_verify: false } },
    });
  });
});

describe('cri-o', () => {
  const crio = (extra = '', version = '1.35.4') => model(`  containerRuntime:\n    name: cri-o\n${extra}`, version);

  it('picks the cri-o of the kubernetes minor, or the pinned one', () => {
    expect(crio().containerRuntime.version).toBe(crioVersionFor('1.35.4'));
    expect(crio('', '1.34.3').containerRuntime.version).toBe(crioVersionFor('1.34.3'));
    const pinned = crioVersions('amd64').filter((v) => v.startsWith('1.35.')).at(-1)!;
    expect(crio(`    version: "${pinned}"\n`).containerRuntime.version).toBe(pinned);
  });

  it('writes the drop-in: systemd cgroups, the catalog pause image, conmon in system.slice, crun by default', () => {
    const m = crio();
    const plan = build(m, 'w-1', containerdBuilder, crioBuilder);
    expect(plan.files.has('/etc/containerd/config.toml')).toBe(false);
    const conf = parseToml(content(plan, '/etc/crio/crio.conf.d/10-kspray.conf')).crio;
    expect(conf.runtime.cgroup_manager).toBe('systemd');
    expect(conf.runtime.default_runtime).toBe('crun');
    expect(conf.runtime.pinns_path).toBe('/usr/local/bin/pinns');
    for (const r of ['crun', 'runc']) {
      expect(conf.runtime.runtimes[r]).toEqual({
        runtime_path: `/usr/local/libexec/crio/${r}`,
        runtime_type: 'oci',
        runtime_root: `/run/${r}`,
        monitor_path: '/usr/local/libexec/crio/conmon',
        monitor_cgroup: 'system.slice',
      });
    }
    expect(conf.image.pause_image).toBe(m.images.pause);
    expect(conf.api.listen).toBe('/var/run/crio/crio.sock');
    expect(conf.network.plugin_dirs).toEqual(['/opt/cni/bin/']);
    const crictl = parseAllDocuments(content(plan, '/etc/crictl.yaml'))[0]!.toJS();
    expect(crictl['runtime-endpoint']).toBe('unix:///var/run/crio/crio.sock');
  });

  it('writes only keys crio.conf(5) and containers-registries.conf(5) document, in their tables', () => {
    // From crio.conf(5) (docs/crio.conf.5.md) and its per-runtime-handler keys, and
    // containers-registries.conf(5): cri-o ignores a misspelled key, so a typo must fail here.
    const CRIO: Record<string, string[]> = {
      'crio.api': ['listen', 'stream_address', 'stream_port'],
      'crio.runtime': ['cgroup_manager', 'default_runtime', 'pinns_path', 'conmon_cgroup', 'runtimes'],
      handler: ['runtime_path', 'runtime_type', 'runtime_root', 'monitor_path', 'monitor_cgroup', 'monitor_env', 'privileged_without_host_devices'],
      'crio.image': ['pause_image', 'signature_policy', 'global_auth_file', 'pinned_images'],
      'crio.network': ['network_dir', 'plugin_dirs', 'cni_default_network'],
    };
    const REGISTRY = { registry: ['prefix', 'location', 'insecure', 'blocked', 'mirror'], mirror: ['location', 'insecure', 'pull-from-mirror'] };
    const unknownKeys = (conf: Record<string, any>): string[] => {
      const bad: string[] = [];
      const check = (where: string, obj: Record<string, any>, allowed: string[]) =>
        Object.keys(obj).forEach((k) => allowed.includes(k) || bad.push(`${where}.${k}`));
      check('', conf, ['crio']);
      check('crio', conf.crio, ['api', 'runtime', 'image', 'network']);
      for (const t of ['api', 'runtime', 'image', 'network']) check(`crio.${t}`, conf.crio[t] ?? {}, CRIO[`crio.${t}`]!);
      for (const [name, h] of Object.entries(conf.crio.runtime?.runtimes ?? {})) check(`runtimes.${name}`, h as any, CRIO.handler!);
      return bad;
    };
    const m = crio(`    registryMirrors: [{ host: docker.io, endpoints: ["https://mirror.internal"] }]\n`);
    const plan = build(m, 'w-1', crioBuilder);
    const dropin = content(plan, '/etc/crio/crio.conf.d/10-kspray.conf');
    expect(unknownKeys(parseToml(dropin))).toEqual([]);
    expect(unknownKeys(parseToml(dropin.replace('cgroup_manager', 'cgroup_manger').replace('monitor_cgroup', 'conmon_cgroup')))).toEqual([
      'crio.runtime.cgroup_manger',
      'runtimes.crun.conmon_cgroup',
    ]);
    for (const r of parseToml(content(plan, '/etc/containers/registries.conf.d/10-docker.io.conf')).registry) {
      expect(Object.keys(r).filter((k) => !REGISTRY.registry.includes(k))).toEqual([]);
      for (const mirror of r.mirror) expect(Object.keys(mirror).filter((k) => !REGISTRY.mirror.includes(k))).toEqual([]);
    }
  });

  it('registry mirrors become registries.conf.d entries (no scheme; http:// or skipVerify is insecure)', () => {
    const m = crio(`    registryMirrors:
      - { host: docker.io, endpoints: ["https://mirror.internal/v2-cache/", "http://10.0.0.5:5000"] }
      - { host: "quay.io", endpoints: ["https://quay-mirror.internal"], skipVerify: true }
`);
    const plan = build(m, 'cp-1', crioBuilder);
    expect(parseToml(content(plan, '/etc/containers/registries.conf.d/10-docker.io.conf'))).toEqual({
      registry: [
        {
          prefix: 'docker.io',
          location: 'registry-1.docker.io',
          mirror: [
            { location: 'mirror.internal/v2-cache', insecure: false },
            { location: '10.0.0.5:5000', insecure: true },
          ],
        },
      ],
    });
    expect(parseToml(content(plan, '/etc/containers/registries.conf.d/10-quay.io.conf')).registry[0].mirror).toEqual([
      { location: 'quay-mirror.internal', insecure: true },
    ]);
  });

  it('kubelet, kubeadm and crictl all use the cri-o socket; kubelet starts after crio.service', () => {
    const m = crio();
    const init = build(m, 'cp-1', kubeadmBuilder, kubeletBuilder);
    const docs = parseAllDocuments(content(init, '/etc/kspray/kubeadm.yaml')).map((d) => d.toJS());
    expect(docs.find((d) => d.kind === 'InitConfiguration').nodeRegistration.criSocket).toBe('unix:///var/run/crio/crio.sock');
    expect(docs.find((d) => d.kind === 'KubeletConfiguration').containerRuntimeEndpoint).toBe('unix:///var/run/crio/crio.sock');
    expect(docs.find((d) => d.kind === 'KubeletConfiguration').cgroupDriver).toBe('systemd');
    expect(content(init, '/etc/systemd/system/kubelet.service')).toContain('After=network-online.target crio.service');
    const join = parseAllDocuments(content(build(m, 'w-1', kubeadmBuilder), '/etc/kspray/kubeadm.yaml'))[0]!.toJS();
    expect(join.nodeRegistration.criSocket).toBe('unix:///var/run/crio/crio.sock');
    // containerd's socket stays the default.
    const ctd = parseAllDocuments(content(build(model(), 'w-1', kubeadmBuilder), '/etc/kspray/kubeadm.yaml'))[0]!.toJS();
    expect(ctd.nodeRegistration.criSocket).toBe('unix:///run/containerd/containerd.sock');
  });

  it('downloads the bundle for the node arch (through the mirror) instead of containerd and runc; node.env says cri-o', () => {
    const m = crio('', '1.36.4');
    const plan = build(m, 'w-1', bootstrapBuilder);
    const rows = content(plan, '/etc/kspray/downloads.tsv').trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map((r) => r[0])).toEqual(['kubeadm', 'kubelet', 'kubectl', 'cri-o', 'cni-plugins', 'crictl']);
    const v = m.containerRuntime.version;
    expect(rows[3]![1]).toBe(`https://storage.googleapis.com/cri-o/artifacts/cri-o.arm64.v${v}.tar.gz`);
    expect(rows[3]![2]).toMatch(/^[0-9a-f]{64}$/);
    const env = content(plan, '/etc/kspray/node.env');
    expect(env).toContain("KSPRAY_CONTAINER_RUNTIME='cri-o'\n");
    expect(env).toContain("KSPRAY_INSTALL_CONTAINERD='no'\n");
    const mirrored = crio('  artifacts: { mirror: "https://files.internal/k" }\n', '1.36.4');
    expect(content(build(mirrored, 'cp-1', bootstrapBuilder), '/etc/kspray/downloads.tsv')).toContain(
      `cri-o\thttps://files.internal/k/storage.googleapis.com/cri-o/artifacts/cri-o.amd64.v${v}.tar.gz\t`,
    );
    // Without cri-o, node.env has no such key (existing payloads unchanged).
    expect(content(build(model(), 'w-1', bootstrapBuilder), '/etc/kspray/node.env')).not.toContain('KSPRAY_CONTAINER_RUNTIME');
  });
});

describe('spec.proxy', () => {
  const PROXY = `  proxy:
    http: "http://proxy.internal:3128"
    https: "http://proxy.internal:3128"
    noProxy: [".corp.example", "10.1.0.0/16"]
  controlPlane: { endpoint: "api.demo.internal:6443" }
`;

  it("computes NO_PROXY Kubespray's way: user entries, localhost, nodes, subnets, cluster names, API host, nodelocaldns", () => {
    const m = model(PROXY);
    expect(m.proxy!.noProxy.split(',')).toEqual([
      '.corp.example',
      '10.1.0.0/16',
      'localhost',
      '127.0.0.1',
      'cp-1',
      '10.0.0.11',
      'w-1',
      '10.0.0.21',
      '10.233.0.0/18',
      '10.233.64.0/18',
      'svc',
      'svc.cluster.local',
      '.cluster.local',
      'api.demo.internal',
      '169.254.25.10',
    ]);
    expect(model().proxy).toBeUndefined();
  });

  it('writes Environment= drop-ins for the runtime and kubelet, and the proxy keys into node.env', () => {
    const m = model(PROXY);
    const plan = build(m, 'w-1', proxyBuilder, bootstrapBuilder);
    const dropin = content(plan, '/etc/systemd/system/containerd.service.d/http-proxy.conf');
    expect(dropin.split('\n')).toEqual([
      '# Written by kspray from spec.proxy.',
      '[Service]',
      'Environment="HTTP_PROXY=http://proxy.internal:3128"',
      'Environment="HTTPS_PROXY=http://proxy.internal:3128"',
      `Environment="NO_PROXY=${m.proxy!.noProxy}"`,
      '',
    ]);
    expect(content(plan, '/etc/systemd/system/kubelet.service.d/http-proxy.conf')).toBe(dropin);
    const env = content(plan, '/etc/kspray/node.env');
    expect(env).toContain("KSPRAY_HTTP_PROXY='http://proxy.internal:3128'\n");
    expect(env).toContain(`KSPRAY_NO_PROXY='${m.proxy!.noProxy}'\n`);
    // cri-o gets the drop-in on crio.service instead.
    const crio = model(`${PROXY}  containerRuntime: { name: cri-o }\n`);
    const crioPlan = build(crio, 'w-1', proxyBuilder);
    expect([...crioPlan.files.keys()].sort()).toEqual([
      '/etc/systemd/system/crio.service.d/http-proxy.conf',
      '/etc/systemd/system/kubelet.service.d/http-proxy.conf',
    ]);
  });

  it('escapes % (a systemd specifier) in proxy URLs', () => {
    const m = model('  proxy: { http: "http://user:p%40ss@proxy.internal:3128" }\n');
    const dropin = content(build(m, 'cp-1', proxyBuilder), '/etc/systemd/system/kubelet.service.d/http-proxy.conf');
    expect(dropin).toContain('Environment="HTTP_PROXY=http://user:p%%40ss@proxy.internal:3128"\n');
    expect(dropin).not.toContain('HTTPS_PROXY');
  });

  it.runIf(haveTool('systemd-analyze'))('the drop-ins pass systemd-analyze verify with the units they extend; an unescaped % does not', () => {
    const m = model('  proxy: { http: "http://user:p%2Fss@proxy.internal:3128", noProxy: [".corp"] }\n');
    const plan = build(m, 'w-1', kubeletBuilder, proxyBuilder);
    const dir = mkdtempSync(join(tmpdir(), 'kspray-proxy-units-'));
    const verify = (dropin: string) => {
      writeFileSync(join(dir, 'kubelet.service'), content(plan, '/etc/systemd/system/kubelet.service').replace(/^ExecStart=.*$/m, 'ExecStart=/bin/true'));
      mkdirSync(join(dir, 'kubelet.service.d'), { recursive: true });
      writeFileSync(join(dir, 'kubelet.service.d', 'http-proxy.conf'), dropin);
      const r = spawnSync(tool('systemd-analyze'), ['verify', join(dir, 'kubelet.service')], { encoding: 'utf8' });
      return `${r.stdout}${r.stderr}`;
    };
    try {
      const dropin = content(plan, '/etc/systemd/system/kubelet.service.d/http-proxy.conf');
      expect(verify(dropin)).toBe('');
      expect(verify(dropin.replace('%%2F', '%2F'))).toMatch(/Failed to resolve specifiers in HTTP_PROXY/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adds nothing without spec.proxy, and no runtime drop-in to an external etcd member', () => {
    const m = model();
    const plan = planNode(m, nodeOf(m, 'w-1'), pki);
    expect([...plan.files.keys()].filter((p) => p.includes('http-proxy'))).toEqual([]);
    expect(content(plan, '/etc/kspray/node.env')).not.toMatch(/HTTPS?_PROXY|NO_PROXY/);
    const text = `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata: { name: demo }
spec:
  proxy: { https: "http://proxy.internal:3128" }
  etcd: { topology: external }
  nodes:
    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }
    - { name: etcd-1, address: 10.0.0.31, roles: [etcd] }
`;
    const ext = toModel(loadSpec(text, 'cluster.yaml').spec, 'cluster.yaml');
    const etcd = build(ext, 'etcd-1', proxyBuilder, crioBuilder, bootstrapBuilder);
    expect([...etcd.files.keys()].filter((p) => p.includes('http-proxy'))).toEqual([]);
    // Its etcd download still goes through the proxy.
    expect(content(etcd, '/etc/kspray/node.env')).toContain("KSPRAY_HTTPS_PROXY='http://proxy.internal:3128'\n");
    expect(ext.proxy!.noProxy.split(',')).toContain('10.0.0.31');
  });
});
