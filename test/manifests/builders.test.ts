// What the calico, addons and apiserverProxy builders put on which node, and how the spec changes it.
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { calicoCrdsDownload } from '../../src/catalog/catalog.js';
import { fileOf, modelOf, nodeNamed, planOf } from './helpers.js';

const CALICO = '/etc/kspray/addons/10-calico.yaml';
const NODELOCALDNS = '/etc/kspray/addons/30-nodelocaldns.yaml';
const METRICS = '/etc/kspray/addons/40-metrics-server.yaml';
const TSV = '/etc/kspray/addons.tsv';
const NGINX_CONF = '/etc/nginx/nginx.conf';
const NGINX_POD = '/etc/kubernetes/manifests/nginx-proxy.yaml';

type Obj = Record<string, any>;
const docs = (text: string): Obj[] => parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as Obj);
const find = (objs: Obj[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};

function calicoNode(extraSpec: string) {
  const model = modelOf(extraSpec);
  const objs = docs(fileOf(planOf(model, nodeNamed(model, 'cp-1')), CALICO));
  const ds = find(objs, 'DaemonSet', 'calico-node');
  const container = ds.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));
  const envNames = container.env.map((e: Obj) => e.name) as string[];
  const config = find(objs, 'ConfigMap', 'calico-config').data;
  return { env, envNames, config, container, ds };
}

describe('which nodes get what', () => {
  const model = modelOf('  addons: { metricsServer: true }');
  const paths = (name: string) => [...planOf(model, nodeNamed(model, name)).files.keys()].sort();

  it('only the first control plane gets the addons', () => {
    expect(paths('cp-1')).toEqual([TSV, CALICO, NODELOCALDNS, METRICS].sort());
    for (const n of ['cp-2', 'cp-3', 'w-1', 'workers']) {
      expect(paths(n).filter((p) => p.startsWith('/etc/kspray/addons'))).toEqual([]);
    }
  });

  it('workers (fixed and pooled) get the localhost proxy, control planes do not', () => {
    for (const n of ['w-1', 'workers']) expect(paths(n)).toEqual([NGINX_POD, NGINX_CONF]);
    for (const n of ['cp-1', 'cp-2', 'cp-3']) expect(paths(n)).not.toContain(NGINX_CONF);
  });

  it('no proxy behind an external load balancer', () => {
    const ext = modelOf('  controlPlane: { endpoint: "api.demo.internal:6443", loadBalancer: external }');
    expect([...planOf(ext, nodeNamed(ext, 'w-1')).files.keys()]).toEqual([]);
  });

  it('no Calico and no CRD download with network.plugin none; optional addons follow the spec', () => {
    const none = modelOf('  network: { plugin: none }\n  addons: { nodeLocalDNS: false }');
    expect([...planOf(none, nodeNamed(none, 'cp-1')).files.keys()]).toEqual([]);
  });

  it('records the builder and the spec path of every file', () => {
    const cp = planOf(model, nodeNamed(model, 'cp-1'));
    expect(cp.files.get(CALICO)).toMatchObject({ builder: 'calico', origin: ['spec', 'network'], mode: 0o644 });
    expect(cp.files.get(TSV)).toMatchObject({ builder: 'addons', origin: ['spec', 'network'] });
    expect(cp.files.get(NODELOCALDNS)).toMatchObject({ builder: 'addons', origin: ['spec', 'addons', 'nodeLocalDNS'] });
    expect(cp.files.get(METRICS)).toMatchObject({ builder: 'addons', origin: ['spec', 'addons', 'metricsServer'] });
    const w = planOf(model, nodeNamed(model, 'w-1'));
    expect(w.files.get(NGINX_CONF)).toMatchObject({ builder: 'apiserverProxy', origin: ['spec', 'controlPlane', 'loadBalancer'] });
  });

  it('is deterministic', () => {
    const again = modelOf('  addons: { metricsServer: true }');
    for (const n of ['cp-1', 'w-1']) {
      const a = planOf(model, nodeNamed(model, n));
      const b = planOf(again, nodeNamed(again, n));
      expect([...b.files.values()]).toEqual([...a.files.values()]);
    }
  });
});

describe('calico', () => {
  it('defaults: VXLAN always, no IPIP, vxlan backend without BIRD probes, pool from the pod subnet', () => {
    const { env, envNames, config, container } = calicoNode('');
    expect(env).toMatchObject({
      CALICO_IPV4POOL_CIDR: '10.233.64.0/18',
      CALICO_IPV4POOL_BLOCK_SIZE: '26', // Kubespray calico_pool_blocksize, not the node mask
      CALICO_IPV4POOL_VXLAN: 'Always',
      CALICO_IPV4POOL_IPIP: 'Never',
      IP_AUTODETECTION_METHOD: 'can-reach=10.0.0.11',
      CLUSTER_TYPE: 'k8s',
    });
    expect(config.calico_backend).toBe('vxlan');
    expect(config.veth_mtu).toBe('0');
    expect(envNames).not.toContain('FELIX_VXLANMTU');
    expect(container.livenessProbe.exec.command).toEqual(['/bin/calico-node', '-felix-live']);
    expect(container.readinessProbe.exec.command).toEqual(['/bin/calico-node', '-felix-ready']);
  });

  it('BGP (bird) with VXLAN CrossSubnet, as Kubespray calico_network_backend: bird + calico_vxlan_mode: CrossSubnet', () => {
    const { env, config } = calicoNode('  network: { calico: { bgp: true, crossSubnet: true } }');
    expect(config.calico_backend).toBe('bird');
    expect(env).toMatchObject({ CLUSTER_TYPE: 'k8s,bgp', CALICO_IPV4POOL_VXLAN: 'CrossSubnet', CALICO_IPV4POOL_IPIP: 'Never' });
    const ipip = calicoNode('  network: { calico: { encapsulation: ipip, crossSubnet: true } }');
    expect(ipip.config.calico_backend).toBe('bird');
    expect(ipip.env).toMatchObject({ CALICO_IPV4POOL_IPIP: 'CrossSubnet', CALICO_IPV4POOL_VXLAN: 'Never' });
  });

  it('follows podSubnet, blockSize (not nodeCidrMaskSize) and the MTU', () => {
    const { env, envNames, config } = calicoNode('  kubernetes: { podSubnet: 10.50.0.0/16, nodeCidrMaskSize: 26 }\n  network: { mtu: 1400, calico: { blockSize: 25 } }');
    expect(env.CALICO_IPV4POOL_CIDR).toBe('10.50.0.0/16');
    expect(env.CALICO_IPV4POOL_BLOCK_SIZE).toBe('25');
    expect(config.veth_mtu).toBe('1400');
    expect(envNames).toEqual(expect.arrayContaining(['FELIX_VXLANMTU', 'FELIX_IPINIPMTU', 'FELIX_WIREGUARDMTU']));
    expect(JSON.parse(config.cni_network_config).plugins[0].mtu).toBe(1400);
  });

  it('ipip: IPIP always, BIRD backend and probes', () => {
    const { env, config, container } = calicoNode('  network: { calico: { encapsulation: ipip } }');
    expect(env).toMatchObject({ CALICO_IPV4POOL_IPIP: 'Always', CALICO_IPV4POOL_VXLAN: 'Never', CLUSTER_TYPE: 'k8s,bgp' });
    expect(config.calico_backend).toBe('bird');
    expect(container.livenessProbe.exec.command).toContain('-bird-live');
    expect(container.readinessProbe.exec.command).toContain('-bird-ready');
  });

  it('none: no encapsulation, BIRD routes', () => {
    const { env, config } = calicoNode('  network: { calico: { encapsulation: none } }');
    expect(env).toMatchObject({ CALICO_IPV4POOL_IPIP: 'Never', CALICO_IPV4POOL_VXLAN: 'Never' });
    expect(config.calico_backend).toBe('bird');
  });

  it('CNI conflist chains calico, portmap and bandwidth; init containers as upstream', () => {
    const { config, ds } = calicoNode('');
    expect(JSON.parse(config.cni_network_config).plugins.map((p: Obj) => p.type)).toEqual(['calico', 'portmap', 'bandwidth']);
    expect(ds.spec.template.spec.initContainers.map((c: Obj) => c.name)).toEqual(['upgrade-ipam', 'install-cni', 'mount-bpffs']);
  });

  it('uses the model images (registry mirror applied) and has no CRDs', () => {
    const model = modelOf('  artifacts: { registry: registry.internal:5000 }');
    const objs = docs(fileOf(planOf(model, nodeNamed(model, 'cp-1')), CALICO));
    const images = JSON.stringify(objs).match(/"image":"[^"]+"/g) ?? [];
    expect(new Set(images)).toEqual(
      new Set([
        `"image":"${model.images.calicoCni}"`,
        `"image":"${model.images.calicoNode}"`,
        `"image":"${model.images.calicoKubeControllers}"`,
      ]),
    );
    expect(model.images.calicoNode.startsWith('registry.internal:5000/')).toBe(true);
    expect(objs.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
    expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(['PodDisruptionBudget', 'Deployment', 'ConfigMap']));
  });

  it('addons.tsv names the CRDs download, from the mirror when there is one', () => {
    const model = modelOf('  artifacts: { mirror: "https://files.internal/k8s" }');
    const tsv = fileOf(planOf(model, nodeNamed(model, 'cp-1')), TSV);
    const crds = calicoCrdsDownload(model.versions.calico, model.artifacts.mirror);
    expect(tsv).toBe(`00-calico-crds.yaml\t${crds.url}\t${crds.sha256}\n`);
    expect(crds.url.startsWith('https://files.internal/k8s/github.com/projectcalico/calico/')).toBe(true);
  });
});

describe('nodelocaldns and metrics-server', () => {
  it('Corefile: cluster zones to CoreDNS via kube-dns-upstream, the rest to resolv.conf, on the link-local address', () => {
    const model = modelOf('  kubernetes: { clusterDomain: corp.example }');
    const objs = docs(fileOf(planOf(model, nodeNamed(model, 'cp-1')), NODELOCALDNS));
    const corefile: string = find(objs, 'ConfigMap', 'nodelocaldns').data.Corefile;
    expect(corefile.match(/^\S+:53 \{$/gm)).toEqual(['corp.example:53 {', 'in-addr.arpa:53 {', 'ip6.arpa:53 {', '.:53 {']);
    expect(corefile.match(/bind 169\.254\.25\.10$/gm)).toHaveLength(4);
    expect(corefile.match(/forward \. __PILLAR__CLUSTER__DNS__ \{/g)).toHaveLength(3);
    expect(corefile).toContain('forward . /etc/resolv.conf\n');
    const ds = find(objs, 'DaemonSet', 'nodelocaldns');
    const c = ds.spec.template.spec.containers[0];
    expect(c.image).toBe(model.images.nodelocaldns);
    expect(c.args).toEqual(expect.arrayContaining(['-localip', '169.254.25.10', '-upstreamsvc', 'kube-dns-upstream']));
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
    expect(find(objs, 'Service', 'kube-dns-upstream').spec.selector).toEqual({ 'k8s-app': 'kube-dns' });
  });

  it('metrics-server: InternalIP, insecure kubelet TLS as Kubespray, APIService v1beta1.metrics.k8s.io', () => {
    const model = modelOf('  addons: { metricsServer: true }');
    const objs = docs(fileOf(planOf(model, nodeNamed(model, 'cp-1')), METRICS));
    const c = find(objs, 'Deployment', 'metrics-server').spec.template.spec.containers[0];
    expect(c.image).toBe(model.images.metricsServer);
    expect(c.args).toEqual(expect.arrayContaining(['--kubelet-preferred-address-types=InternalIP', '--kubelet-insecure-tls']));
    expect(find(objs, 'APIService', 'v1beta1.metrics.k8s.io').spec.service).toEqual({ name: 'metrics-server', namespace: 'kube-system' });
  });
});

describe('apiserver proxy', () => {
  it('nginx.conf proxies 127.0.0.1:<port> to every control plane', () => {
    const model = modelOf('  controlPlane: { port: 7443 }');
    const conf = fileOf(planOf(model, nodeNamed(model, 'w-1')), NGINX_CONF);
    expect(conf.match(/^\s*server \S+ max_fails=1 fail_timeout=10s;$/gm)?.map((l) => l.trim().split(' ')[1])).toEqual([
      '10.0.0.11:7443',
      '10.0.0.12:7443',
      '10.0.0.13:7443',
    ]);
    expect(conf).toMatch(/^\s*listen 127\.0\.0\.1:7443;$/m);
    expect(conf).toMatch(/location \/healthz \{\s*access_log off;\s*return 200;/);
  });

  it('nginx-proxy is a hostNetwork, node-critical static pod that mounts /etc/nginx and probes :8081/healthz', () => {
    const model = modelOf('');
    const plan = planOf(model, nodeNamed(model, 'workers'));
    const pod = parse(fileOf(plan, NGINX_POD), { version: '1.1' }) as Obj;
    expect(pod).toMatchObject({ kind: 'Pod', metadata: { name: 'nginx-proxy', namespace: 'kube-system' } });
    expect(pod.spec).toMatchObject({ hostNetwork: true, priorityClassName: 'system-node-critical' });
    const c = pod.spec.containers[0];
    expect(c.image).toBe(model.images.nginx);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8081 });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8081 });
    expect(pod.spec.volumes).toEqual([{ name: 'etc-nginx', hostPath: { path: '/etc/nginx' } }]);
  });
});
