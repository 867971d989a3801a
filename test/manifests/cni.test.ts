// Network plugins (cilium, flannel, kube-router, multus): kubectl's own reader and Go types accept
// every generated manifest set, each with a broken input it must reject; what the manifests say
// (pod CIDR, MTU, API address per load-balancer mode, pinned images) is computed from the spec.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadSpec } from '../../src/api/loadSpec.js';
import { toModel } from '../../src/model/toModel.js';
import type { ClusterModel } from '../../src/model/model.js';
import { networkImages, networkVersions } from '../../src/catalog/network.js';
import { newPlan } from '../../src/plan/nodePlan.js';
import { ciliumBuilder } from '../../src/plan/builders/cilium.js';
import { flannelBuilder } from '../../src/plan/builders/flannel.js';
import { kubeRouterBuilder } from '../../src/plan/builders/kubeRouter.js';
import { multusBuilder } from '../../src/plan/builders/multus.js';
import { calicoBuilder } from '../../src/plan/builders/calico.js';
import { kubeadmBuilder } from '../../src/plan/builders/kubeadm.js';
import { nodeEnv } from '../../src/plan/builders/bootstrap.js';
import { apiServerForNodeAgents } from '../../src/plan/manifests/cniApiServer.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import { KUBECTL, kustomize, modelOf, nodeNamed, run, splitDocs, tempDir } from './helpers.js';

type Obj = Record<string, any>;
const idOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const byId = (objs: Obj[]) => Object.fromEntries(objs.map((o) => [idOf(o), o]));
const readYaml11 = (text: string): Obj[] => parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as Obj);
const readYaml12 = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj);
const WORKLOADS = new Set(['DaemonSet', 'Deployment']);

const pki = { bootstrapToken: { id: 'abcdef', secret: '0123456789abcdef' }, encryptionKey: 'a2V5' } as unknown as IssuedPki;
const NETWORK_BUILDERS = [calicoBuilder, ciliumBuilder, flannelBuilder, kubeRouterBuilder, multusBuilder];

/** The network addon files the first control plane gets: file name → content. */
function networkFiles(model: ClusterModel): Record<string, string> {
  const plan = newPlan(nodeNamed(model, 'cp-1'));
  for (const b of NETWORK_BUILDERS) b.build({ model, node: plan.node, pki, plan });
  return Object.fromEntries([...plan.files.values()].map((f) => [f.path.split('/').pop()!, f.content]));
}

function decodeWorkloads(docs: string[]) {
  const file = join(tempDir(), 'workloads.yaml');
  writeFileSync(file, docs.join('---\n'));
  return run(KUBECTL, ['set', 'env', '--local', '-f', file, 'KSPRAY_DECODE_CHECK=1', '-o', 'yaml']);
}

const objectsOf = (files: Record<string, string>) => Object.values(files).flatMap(readYaml11);
const find = (objs: Obj[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const podSpec = (o: Obj) => o.spec.template.spec;
const imagesOf = (objs: Obj[]) =>
  [...new Set(objs.flatMap((o) => (o.spec?.template ? [...(podSpec(o).initContainers ?? []), ...podSpec(o).containers].map((c: Obj) => c.image) : [])))].sort();
const envOf = (c: Obj) => Object.fromEntries((c.env ?? []).filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));

const SPECS: Record<string, { spec: string; files: string[] }> = {
  cilium: { spec: '  network: { plugin: cilium }', files: ['10-cilium.yaml'] },
  'cilium kpr, geneve, mtu, registry': {
    spec: '  network: { plugin: cilium, mtu: 1400, cilium: { tunnel: geneve, kubeProxyReplacement: true } }\n  artifacts: { registry: "registry.internal:5000" }',
    files: ['10-cilium.yaml'],
  },
  flannel: { spec: '  network: { plugin: flannel, mtu: 1400 }\n  kubernetes: { proxyMode: nftables }', files: ['10-flannel.yaml'] },
  'kube-router': { spec: '  network: { plugin: kube-router, mtu: 1480 }', files: ['10-kube-router.yaml'] },
  'calico + multus': { spec: '  network: { plugin: calico, multus: true }', files: ['10-calico.yaml', '15-multus.yaml'] },
  'cilium + multus': { spec: '  network: { plugin: cilium, multus: true }', files: ['10-cilium.yaml', '15-multus.yaml'] },
};

describe.each(Object.entries(SPECS))('kubectl reads the network manifests (%s)', (_label, c) => {
  const files = networkFiles(modelOf(c.spec));

  it('kubectl kustomize parses every document, and reads what kspray meant', () => {
    expect(Object.keys(files).sort()).toEqual(c.files);
    const ours = objectsOf(files);
    const read = readYaml12(kustomize(files));
    expect(read).toHaveLength(ours.length);
    expect(byId(read)).toEqual(byId(ours));
  });

  it('every DaemonSet and Deployment decodes into its Kubernetes type', () => {
    const docs = Object.values(files).flatMap(splitDocs);
    const workloads = docs.filter((d) => WORKLOADS.has(readYaml11(d)[0]!.kind));
    expect(workloads.length).toBeGreaterThanOrEqual(1);
    const r = decodeWorkloads(workloads);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readYaml12(r.stdout).filter((o) => o.kind !== 'List').length + (readYaml12(r.stdout)[0]?.items?.length ?? 0)).toBeGreaterThanOrEqual(workloads.length);
  });

  it('the same checks reject a broken manifest', () => {
    const docs = Object.values(files).flatMap(splitDocs);
    const workload = docs.find((d) => WORKLOADS.has(readYaml11(d)[0]!.kind))!;
    // A container port as text: kubectl's Go types refuse it.
    const broken = workload.replace(/^(\s+)- name: ([a-z-]+)\n(\s+)image:/m, '$1- name: $2\n$3ports: [{ containerPort: "eighty" }]\n$3image:');
    expect(broken).not.toBe(workload);
    const r = decodeWorkloads([broken]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/containerPort|cannot unmarshal|invalid/i);
    // Two objects with one name: kustomize refuses the set.
    const first = Object.keys(files)[0]!;
    expect(() => kustomize({ ...files, 'dup.yaml': splitDocs(files[first]!)[0]! })).toThrow(/kubectl kustomize failed/);
  });

  it('every image is pinned from the catalog (registry honoured)', () => {
    const registry = c.spec.includes('registry.internal') ? 'registry.internal:5000' : undefined;
    const pinned = new Set(Object.values(networkImages(registry)));
    const images = imagesOf(objectsOf(files)).filter((i) => !i.includes('calico'));
    expect(images.length).toBeGreaterThan(0);
    for (const i of images) expect(pinned, i).toContain(i);
    if (registry) for (const i of images) expect(i.startsWith(`${registry}/`), i).toBe(true);
  });
});

describe('catalog/network.ts', () => {
  it("resolves Kubespray's download.yml variables into versioned images", () => {
    const v = networkVersions();
    const img = networkImages();
    for (const version of Object.values(v)) expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(img.cilium).toBe(`quay.io/cilium/cilium:v${v.cilium}`);
    expect(img.ciliumOperator).toBe(`quay.io/cilium/operator-generic:v${v.cilium}`);
    expect(img.flannel).toBe(`docker.io/flannel/flannel:v${v.flannel}`);
    expect(img.flannelCniPlugin).toBe(`docker.io/flannel/flannel-cni-plugin:v${v.flannelCni}`);
    expect(img.kubeRouter).toBe(`docker.io/cloudnativelabs/kube-router:v${v.kubeRouter}`);
    expect(img.multus).toBe(`ghcr.io/k8snetworkplumbingwg/multus-cni:v${v.multus}`);
    expect(networkImages('mirror.local/').flannel).toBe(`mirror.local/flannel/flannel:v${v.flannel}`);
    for (const i of Object.values(img)) expect(i, i).not.toContain('{{');
  });
});

describe('cilium', () => {
  it('IPAM cluster-pool from the pod subnet and node mask, VXLAN by default, kube-proxy kept by default', () => {
    const model = modelOf('  kubernetes: { podSubnet: 10.200.0.0/16, nodeCidrMaskSize: 25 }\n  network: { plugin: cilium }');
    const cm = find(objectsOf(networkFiles(model)), 'ConfigMap', 'cilium-config').data;
    expect(cm).toMatchObject({
      ipam: 'cluster-pool',
      'cluster-pool-ipv4-cidr': '10.200.0.0/16',
      'cluster-pool-ipv4-mask-size': '25',
      'routing-mode': 'tunnel',
      'tunnel-protocol': 'vxlan',
      'kube-proxy-replacement': 'false',
      'cni-exclusive': 'true',
    });
    expect(cm.mtu).toBeUndefined();
  });

  it('the init containers upstream renders, in order', () => {
    const ds = find(objectsOf(networkFiles(modelOf('  network: { plugin: cilium }'))), 'DaemonSet', 'cilium');
    expect(podSpec(ds).initContainers.map((c: Obj) => c.name)).toEqual([
      'config', 'mount-cgroup', 'apply-sysctl-overwrites', 'mount-bpf-fs', 'clean-cilium-state', 'install-cni-binaries',
    ]);
    // Every volume a container mounts exists in the pod.
    const volumes = new Set(podSpec(ds).volumes.map((v: Obj) => v.name));
    for (const c of [...podSpec(ds).initContainers, ...podSpec(ds).containers]) for (const m of c.volumeMounts ?? []) expect(volumes, `${c.name}:${m.name}`).toContain(m.name);
  });

  it('mtu, geneve, kube-proxy replacement and multus reach cilium-config', () => {
    const cm = find(objectsOf(networkFiles(modelOf(SPECS['cilium kpr, geneve, mtu, registry']!.spec))), 'ConfigMap', 'cilium-config').data;
    expect(cm).toMatchObject({ mtu: '1400', 'tunnel-protocol': 'geneve', 'kube-proxy-replacement': 'true' });
    const multus = find(objectsOf(networkFiles(modelOf('  network: { plugin: cilium, multus: true }'))), 'ConfigMap', 'cilium-config').data;
    expect(multus['cni-exclusive']).toBe('false');
  });

  // Before kube-proxy (or Cilium) routes the Service IP, agents reach the API here on every node.
  it.each([
    ['localhost', '', { host: '127.0.0.1', port: 6443 }],
    ['localhost, port 7443', '  controlPlane: { port: 7443 }', { host: '127.0.0.1', port: 7443 }],
    ['kube-vip', '  controlPlane: { loadBalancer: kube-vip, endpoint: 10.0.0.10 }', { host: '10.0.0.10', port: 6443 }],
    ['external', '  controlPlane: { loadBalancer: external, endpoint: "lb.example.com:443" }', { host: 'lb.example.com', port: 443 }],
  ])('agent and operator reach the API server without kube-proxy (%s)', (_l, extra, want) => {
    const model = modelOf(`${extra}\n  network: { plugin: cilium, cilium: { kubeProxyReplacement: true } }`);
    expect(apiServerForNodeAgents(model)).toEqual(want);
    const objs = objectsOf(networkFiles(model));
    const agent = podSpec(find(objs, 'DaemonSet', 'cilium'));
    const operator = podSpec(find(objs, 'Deployment', 'cilium-operator'));
    for (const c of [agent.containers[0], agent.initContainers[0], operator.containers[0]]) {
      expect(envOf(c), c.name).toMatchObject({ KUBERNETES_SERVICE_HOST: want.host, KUBERNETES_SERVICE_PORT: String(want.port) });
    }
  });

  it('operator replicas: two on different nodes, one on a single-node cluster', () => {
    const many = modelOf('  network: { plugin: cilium }');
    expect(find(objectsOf(networkFiles(many)), 'Deployment', 'cilium-operator').spec.replicas).toBe(2);
    const single = toModel(
      loadSpec('apiVersion: kspray.dev/v1alpha1\nkind: Cluster\nmetadata: { name: one }\nspec:\n  network: { plugin: cilium }\n  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane, worker] }\n', 'cluster.yaml').spec,
    );
    expect(find(objectsOf(networkFiles(single)), 'Deployment', 'cilium-operator').spec.replicas).toBe(1);
  });
});

describe('kube-proxy replacement: kubeadm skips kube-proxy and the node program does not repoint it', () => {
  const kubeadmDocs = (model: ClusterModel) => {
    const plan = newPlan(nodeNamed(model, 'cp-1'));
    kubeadmBuilder.build({ model, node: plan.node, pki, plan });
    return parseAllDocuments(plan.files.get('/etc/kspray/kubeadm.yaml')!.content).map((d) => d.toJS() as Obj);
  };

  it('with kubeProxyReplacement: skipPhases addon/kube-proxy, no KubeProxyConfiguration, no repoint', () => {
    const model = modelOf('  network: { plugin: cilium, cilium: { kubeProxyReplacement: true } }');
    const docs = kubeadmDocs(model);
    expect(docs.find((d) => d.kind === 'InitConfiguration')!.skipPhases).toEqual(['addon/kube-proxy']);
    expect(docs.map((d) => d.kind)).not.toContain('KubeProxyConfiguration');
    expect(nodeEnv(model, nodeNamed(model, 'cp-1'))).toContain("KSPRAY_KUBE_PROXY_SERVER=''");
  });

  it.each(['  network: { plugin: cilium }', '  network: { plugin: flannel }', ''])('without it kube-proxy stays (%s)', (spec) => {
    const model = modelOf(spec);
    const docs = kubeadmDocs(model);
    expect(docs.find((d) => d.kind === 'InitConfiguration')!.skipPhases).toBeUndefined();
    expect(docs.map((d) => d.kind)).toContain('KubeProxyConfiguration');
    expect(nodeEnv(model, nodeNamed(model, 'cp-1'))).toContain("KSPRAY_KUBE_PROXY_SERVER='https://127.0.0.1:6443'");
  });
});

describe('flannel', () => {
  it('net-conf.json carries the pod subnet, node mask, VXLAN and nftables; cni-conf.json the MTU', () => {
    const model = modelOf('  kubernetes: { podSubnet: 10.200.0.0/16, nodeCidrMaskSize: 25, proxyMode: nftables }\n  network: { plugin: flannel, mtu: 1400 }');
    const objs = objectsOf(networkFiles(model));
    const cm = find(objs, 'ConfigMap', 'kube-flannel-cfg').data;
    expect(JSON.parse(cm['net-conf.json'])).toEqual({ Network: '10.200.0.0/16', SubnetLen: 25, EnableNFTables: true, Backend: { Type: 'vxlan' } });
    const cni = JSON.parse(cm['cni-conf.json']);
    expect(cni.plugins[0]).toMatchObject({ type: 'flannel', delegate: { mtu: 1400 } });
    const ds = podSpec(find(objs, 'DaemonSet', 'kube-flannel-ds'));
    expect(ds.initContainers.map((c: Obj) => c.name)).toEqual(['install-cni-plugin', 'install-cni']);
    expect(ds.initContainers[0].image).toBe(networkImages().flannelCniPlugin);
    expect(ds.containers[0].args).toContain('--iface-can-reach=10.0.0.11');
  });

  it('defaults: no MTU override (flanneld derives it), iptables', () => {
    const cm = find(objectsOf(networkFiles(modelOf('  network: { plugin: flannel }'))), 'ConfigMap', 'kube-flannel-cfg').data;
    expect(JSON.parse(cm['net-conf.json']).EnableNFTables).toBe(false);
    expect(JSON.parse(cm['cni-conf.json']).plugins[0].delegate.mtu).toBeUndefined();
  });
});

describe('kube-router', () => {
  it('routes and enforces NetworkPolicy, leaves Services to kube-proxy; a fixed MTU turns auto-mtu off', () => {
    const objs = objectsOf(networkFiles(modelOf('  network: { plugin: kube-router, mtu: 1480 }')));
    const c = podSpec(find(objs, 'DaemonSet', 'kube-router')).containers[0];
    expect(c.args).toEqual(expect.arrayContaining(['--run-router=true', '--run-firewall=true', '--run-service-proxy=false', '--auto-mtu=false']));
    const conf = JSON.parse(find(objs, 'ConfigMap', 'kube-router-cfg').data['cni-conf.json']);
    expect(conf.plugins[0]).toMatchObject({ type: 'bridge', mtu: 1480, ipam: { type: 'host-local' } });
    const auto = objectsOf(networkFiles(modelOf('  network: { plugin: kube-router }')));
    expect(podSpec(find(auto, 'DaemonSet', 'kube-router')).containers[0].args).not.toContain('--auto-mtu=false');
  });
});

describe('multus', () => {
  it('the NetworkAttachmentDefinition CRD and the thin-plugin DaemonSet', () => {
    const objs = objectsOf(networkFiles(modelOf('  network: { plugin: flannel, multus: true }')));
    const crd = find(objs, 'CustomResourceDefinition', 'network-attachment-definitions.k8s.cni.cncf.io');
    expect(crd.spec.names.kind).toBe('NetworkAttachmentDefinition');
    expect(`${crd.spec.names.plural}.${crd.spec.group}`).toBe(crd.metadata.name);
    const ds = podSpec(find(objs, 'DaemonSet', 'kube-multus-ds'));
    expect(ds.initContainers[0].args).toEqual(['--type', 'thin']);
    expect(ds.containers[0].command).toEqual(['/thin_entrypoint']);
  });

  it('is absent unless asked for', () => {
    expect(Object.keys(networkFiles(modelOf('  network: { plugin: flannel }')))).toEqual(['10-flannel.yaml']);
    expect(Object.keys(networkFiles(modelOf('  network: { plugin: none }')))).toEqual([]);
  });

});
