// examples/custom rendered, and its kubeadm configs parsed: each customization value asserted where
// kubeadm (and the kubelet, kube-proxy, etcd) reads it. A node's kubelet.config reaches the node as a
// kubeadm merge patch over the cluster's KubeletConfiguration: the test applies that patch the way
// kubeadm does (RFC 7386 JSON merge patch, its own small implementation here) and compares the result
// with the merged config the model says the node gets.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments, parse } from 'yaml';
import { loadExample, renderFixture, exampleFile } from '../helpers/fixtures.js';
import { outputFiles, type Rendered } from '../../src/render.js';
import type { NodePlan } from '../../src/plan/nodePlan.js';
import { compileSpec } from '../../src/compileSpec.js';
import { readFileSync } from 'node:fs';
import { etcdEnv } from '../../src/plan/builders/etcd.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Arg = { name: string; value: string };

let r: Rendered;
beforeAll(async () => {
  r = await renderFixture(loadExample('custom'));
});

const plan = (name: string): NodePlan => r.plans.find((p) => p.node.name === name)!;
const file = (node: string, path: string): string => {
  const f = plan(node).files.get(path);
  if (!f) throw new Error(`${node} has no ${path}`);
  return f.content;
};
const kubeadmDocs = (node: string): Doc[] => parseAllDocuments(file(node, '/etc/kspray/kubeadm.yaml')).map((d) => d.toJS() as Doc);
const kind = (docs: Doc[], k: string): Doc => docs.find((d) => d.kind === k)!;
/** kubeadm v1beta4 extraArgs are a list; a name listed twice would be passed twice. */
const argMap = (args: Arg[]): Record<string, string> => {
  const names = args.map((a) => a.name);
  expect(new Set(names).size, `duplicate flags in ${names.join(',')}`).toBe(names.length);
  return Object.fromEntries(args.map((a) => [a.name, a.value]));
};

function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

describe('ClusterConfiguration (first control plane)', () => {
  it('passes the apiserver extraArgs, feature gates, audit and admission flags, and mounts their files', () => {
    const api = kind(kubeadmDocs('cp-1'), 'ClusterConfiguration').apiServer;
    const args = argMap(api.extraArgs);
    expect(args).toMatchObject({
      'oidc-issuer-url': 'https://id.example.com',
      'oidc-client-id': 'kubernetes',
      'oidc-ca-file': '/etc/kubernetes/oidc/corp-ca.pem',
      'feature-gates': 'MemoryQoS=true',
      'audit-policy-file': '/etc/kubernetes/audit/policy.yaml',
      'audit-log-path': '/var/log/kubernetes/audit/audit.log',
      'audit-log-maxage': '7', // the spec's value over Kubespray's default 30
      'admission-control-config-file': '/etc/kubernetes/admission/config.yaml',
      'encryption-provider-config': '/etc/kubernetes/encryption-config.yaml',
    });
    const mounts = Object.fromEntries((api.extraVolumes as Doc[]).map((v) => [v.name, v]));
    expect(mounts['audit-policy']).toMatchObject({ hostPath: '/etc/kubernetes/audit/policy.yaml', readOnly: true, pathType: 'File' });
    expect(mounts['audit-log']).toMatchObject({ hostPath: '/var/log/kubernetes/audit', pathType: 'DirectoryOrCreate' });
    expect(mounts['admission-config']?.mountPath).toBe(args['admission-control-config-file']);
    expect(mounts['oidc-ca']).toMatchObject({ hostPath: '/etc/kubernetes/oidc', readOnly: true, pathType: 'Directory' });
    expect(api.certSANs).toEqual(expect.arrayContaining(['api.example.com', '203.0.113.10']));
  });

  it('writes the audit policy and admission config on every control plane, none on workers, as the spec gave them', () => {
    for (const cp of ['cp-1', 'cp-2', 'cp-3']) {
      expect(parse(file(cp, '/etc/kubernetes/audit/policy.yaml'))).toMatchObject({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'] });
      const admission = parse(file(cp, '/etc/kubernetes/admission/config.yaml'));
      expect(admission.plugins[0].configuration.defaults.enforce).toBe('baseline');
    }
    expect(plan('worker-1').files.has('/etc/kubernetes/audit/policy.yaml')).toBe(false);
  });

  it('gives controller-manager and scheduler their extraArgs, volumes and the feature gates', () => {
    const c = kind(kubeadmDocs('cp-1'), 'ClusterConfiguration');
    expect(argMap(c.controllerManager.extraArgs)).toMatchObject({ 'terminated-pod-gc-threshold': '1000', 'feature-gates': 'MemoryQoS=true', 'node-cidr-mask-size': '24' });
    expect(c.controllerManager.extraVolumes[0]).toMatchObject({ name: 'cloud-config', hostPath: '/etc/kubernetes/cloud' });
    expect(argMap(c.scheduler.extraArgs)).toEqual({ 'feature-gates': 'MemoryQoS=true', profiling: 'false' });
    expect(c.scheduler.extraVolumes[0].name).toBe('scheduler-config');
  });

  it("gives stacked etcd the spec's extraArgs over Kubespray's defaults", () => {
    const etcd = kind(kubeadmDocs('cp-1'), 'ClusterConfiguration').etcd.local;
    expect(argMap(etcd.extraArgs)).toEqual({ 'auto-compaction-retention': '8', 'quota-backend-bytes': '8589934592', 'snapshot-count': '50000' });
  });

  it('issues the apiserver certificate with the certSANs (openssl reads them)', () => {
    const cert = r.pki.controlPlaneFiles('cp-1').find((f) => f.relPath === 'apiserver.crt')!.content;
    const out = spawnSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { input: cert, encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('DNS:api.example.com');
    expect(out.stdout).toContain('IP Address:203.0.113.10');
  });
});

describe('KubeletConfiguration and KubeProxyConfiguration', () => {
  it("holds kspray's fields and the cluster's kubelet.config, with the feature gates", () => {
    const k = kind(kubeadmDocs('cp-1'), 'KubeletConfiguration');
    expect(k).toMatchObject({
      cgroupDriver: 'systemd',
      clusterDNS: ['169.254.25.10'],
      maxPods: 200,
      systemReserved: { cpu: '500m', memory: '1Gi' },
      kubeReserved: { cpu: '250m', memory: '512Mi' },
      evictionHard: { 'memory.available': '200Mi', 'nodefs.available': '10%' },
      shutdownGracePeriod: '60s',
      featureGates: { MemoryQoS: true },
    });
  });

  it('gives kube-proxy the ipvs scheduler (and keeps strictARP), conntrack and the feature gates', () => {
    const p = kind(kubeadmDocs('cp-1'), 'KubeProxyConfiguration');
    expect(p).toMatchObject({ mode: 'ipvs', ipvs: { scheduler: 'lc', strictARP: false }, conntrack: { maxPerCore: 65536 }, featureGates: { MemoryQoS: true } });
  });

  it("reaches each node with its own kubelet.config merged over the cluster's (maps merge, scalars replace)", () => {
    const cluster = kind(kubeadmDocs('cp-1'), 'KubeletConfiguration');
    const expected: Record<string, Doc> = {
      'worker-1': { maxPods: 250, systemReserved: { cpu: '500m', memory: '2Gi' } },
      'cp-3': { maxPods: 110, systemReserved: { cpu: '500m', memory: '1Gi' } },
      gpu: { maxPods: 64, evictionHard: { 'memory.available': '1Gi', 'nodefs.available': '10%' } },
    };
    for (const [node, values] of Object.entries(expected)) {
      const patch = parse(file(node, '/etc/kubernetes/patches/kubeletconfiguration999+merge.yaml'));
      const userPatch = parse(file(node, '/etc/kubernetes/patches/kubeletconfiguration002+merge.yaml'));
      // kubeadm applies the patches in file-name order to the ConfigMap's config.
      const onNode = jsonMergePatch(jsonMergePatch(cluster, userPatch), patch) as Doc;
      expect(onNode, node).toMatchObject({ ...values, serializeImagePulls: false, cgroupDriver: 'systemd' });
      const { apiVersion: _a, kind: _k, cgroupDriver: _c, containerRuntimeEndpoint: _e, clusterDomain: _d, clusterDNS: _n, rotateCertificates: _r, protectKernelDefaults: _p, failSwapOn: _f, featureGates: _g, serializeImagePulls: _s, ...user } = onNode;
      expect(user, `${node}: what the model says the node gets`).toEqual(plan(node).node.custom.kubeletConfig);
    }
    expect(plan('cp-2').files.has('/etc/kubernetes/patches/kubeletconfiguration999+merge.yaml'), 'no override, no patch').toBe(false);
  });

  it('passes the kubelet extraArgs, merged per node, in nodeRegistration', () => {
    const init = kind(kubeadmDocs('cp-1'), 'InitConfiguration');
    expect(argMap(init.nodeRegistration.kubeletExtraArgs)).toEqual({ 'node-ip': '10.0.0.11', v: '2' });
    const join = kind(kubeadmDocs('worker-1'), 'JoinConfiguration');
    expect(argMap(join.nodeRegistration.kubeletExtraArgs)).toEqual({ 'node-ip': '10.0.0.21', v: '4' });
  });
});

describe('kubeadm patches', () => {
  it('points init and join at the patches directory', () => {
    expect(kind(kubeadmDocs('cp-1'), 'InitConfiguration').patches).toEqual({ directory: '/etc/kubernetes/patches' });
    for (const n of ['cp-2', 'worker-1', 'worker-2', 'gpu']) expect(kind(kubeadmDocs(n), 'JoinConfiguration').patches, n).toEqual({ directory: '/etc/kubernetes/patches' });
  });

  it('names each patch as kubeadm reads it (target, suffix, +type) with its content, control-plane targets on control planes only', () => {
    const names = (n: string) => [...plan(n).files.keys()].filter((p) => p.startsWith('/etc/kubernetes/patches/')).map((p) => p.slice(24)).sort();
    expect(names('cp-1')).toEqual(['etcd001+json.yaml', 'kube-apiserver000+strategic.yaml', 'kubeletconfiguration002+merge.yaml']);
    expect(names('worker-2')).toEqual(['kubeletconfiguration002+merge.yaml']);
    expect(parse(file('cp-1', '/etc/kubernetes/patches/etcd001+json.yaml'))).toEqual([{ op: 'add', path: '/spec/containers/0/resources/requests/memory', value: '1Gi' }]);
    const pattern = /^(kube-apiserver|kube-controller-manager|kube-scheduler|etcd|kubeletconfiguration|corednsdeployment)\d*(\+(strategic|merge|json))?\.(yaml|json)$/;
    for (const n of r.plans) for (const name of names(n.node.name)) expect(name).toMatch(pattern);
  });

  it('makes the node program pass --patches to kubeadm upgrade', () => {
    const program = readFileSync(new URL('../../node/kspray-node.sh', import.meta.url), 'utf8');
    expect(program).toMatch(/kubeadm upgrade apply [^\n]*"\$\{patches\[@\]\}"/);
    expect(program).toMatch(/kubeadm upgrade node [^\n]*"\$\{patches\[@\]\}"/);
    expect(program).toContain('patches=(--patches "$R/etc/kubernetes/patches")');
  });
});

describe('files, sysctls and kernel modules', () => {
  it('writes the files through the plan with mode and provenance; a node entry replaces the cluster one of the same path', () => {
    expect(plan('cp-1').files.get('/etc/motd')).toMatchObject({ builder: 'userFiles', origin: ['spec', 'files', 1], mode: 0o644 });
    expect(plan('worker-1').files.get('/etc/motd')).toMatchObject({ content: 'worker-1: batch jobs only.\n', origin: ['spec', 'nodes', 3, 'files', 0] });
    expect(plan('gpu').files.get('/etc/modprobe.d/nvidia.conf')).toMatchObject({ mode: 0o600, origin: ['spec', 'pools', 0, 'files', 0] });
    expect(file('gpu', '/etc/kubernetes/oidc/corp-ca.pem')).toContain('BEGIN CERTIFICATE');
  });

  it('merges sysctls (a map) and replaces kernelModules (a list) per node', () => {
    expect(file('worker-1', '/etc/sysctl.d/90-kspray-user.conf')).toBe(
      '# Written by kspray from the spec (sysctls).\nnet.core.somaxconn = 65535\nnet.ipv4.tcp_keepalive_time = 600\nvm.max_map_count = 262144\n',
    );
    expect(file('cp-1', '/etc/modules-load.d/kspray-user.conf')).toBe('# Written by kspray from the spec (kernelModules).\nip_vs_lc\n');
    expect(file('gpu', '/etc/modules-load.d/kspray-user.conf')).toBe('# Written by kspray from the spec (kernelModules).\nip_vs_lc\nnvidia\n');
  });

  it('lists every customization file in provenance.json with its spec path', () => {
    const written = outputFiles(r).find((f) => f.relPath === 'nodes/worker-1/provenance.json')!;
    const prov = JSON.parse(written.content as string) as { files: Array<{ path: string; origin: string; builder: string }> };
    const by = Object.fromEntries(prov.files.map((f) => [f.path, f]));
    expect(by['/etc/motd']).toMatchObject({ builder: 'userFiles', origin: 'spec.nodes.3.files.0' });
    expect(by['/etc/sysctl.d/90-kspray-user.conf']?.origin).toBe('spec.nodes.3.sysctls');
    expect(by['/etc/kubernetes/patches/kubeletconfiguration999+merge.yaml']?.origin).toBe('spec.nodes.3.kubelet.config');
  });
});

describe('external etcd', () => {
  it("puts spec.etcd.extraArgs into every member's environment, replacing a tuning default", () => {
    const text = readFileSync(exampleFile('external-etcd'), 'utf8');
    const model = compileSpec(text, 'external-etcd.yaml', (s) => ({ ...s, spec: { ...s.spec, etcd: { ...s.spec.etcd, extraArgs: { 'quota-backend-bytes': '8589934592', 'max-request-bytes': '3145728' } } } }));
    for (const member of model.nodes.filter((n) => n.isEtcd)) {
      const env = etcdEnv(model, member);
      const keys = env.map(([k]) => k);
      expect(new Set(keys).size).toBe(keys.length);
      expect(Object.fromEntries(env)).toMatchObject({ ETCD_QUOTA_BACKEND_BYTES: '8589934592', ETCD_MAX_REQUEST_BYTES: '3145728' });
    }
  });
});

describe('Packer bake', () => {
  it("bakes the cluster's files, sysctls and modules, never a node's or pool's own", async () => {
    const { packerOutputs } = await import('../../src/emit/packer/index.js');
    const baked = new Map(packerOutputs(r).files.filter((f) => f.relPath.startsWith('packer/ubuntu-24.04-amd64/files/')).map((f) => [f.relPath.slice('packer/ubuntu-24.04-amd64/files'.length), f.content]));
    // The representative plan is worker-1, whose motd and sysctls are its own: the image gets neither.
    expect(baked.get('/etc/kubernetes/oidc/corp-ca.pem')).toContain('BEGIN CERTIFICATE');
    expect(baked.get('/etc/modules-load.d/kspray-user.conf')).toContain('ip_vs_lc');
    expect(baked.has('/etc/motd')).toBe(false);
    expect(baked.has('/etc/sysctl.d/90-kspray-user.conf')).toBe(false);
    expect(baked.has('/etc/kubernetes/patches/kubeletconfiguration999+merge.yaml')).toBe(false);
    expect(baked.has('/etc/sysctl.d/99-kubernetes.conf')).toBe(true);
  });
});
