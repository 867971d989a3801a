// API endpoint modes, on the rendered examples: an external load balancer's name is in the
// apiserver certificates, kubeadm's controlPlaneEndpoint and every kubeconfig; the localhost proxy
// (nginx in examples/ha, haproxy in examples/external-etcd) is on workers only.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { outputFiles, type Rendered } from '../../src/render.js';
import { loadExample, renderFixture } from '../helpers/fixtures.js';

const rendered = new Map<string, Rendered>();
beforeAll(async () => {
  for (const name of ['external-lb', 'external-etcd', 'ha']) rendered.set(name, await renderFixture(loadExample(name)));
});
const planOf = (example: string, node: string) => rendered.get(example)!.plans.find((p) => p.node.name === node)!;
const kubeadmDocs = (example: string, node: string) =>
  parseAllDocuments(planOf(example, node).files.get('/etc/kspray/kubeadm.yaml')!.content).map((d) => d.toJS() as Record<string, any>);

describe('loadBalancer: external (examples/external-lb)', () => {
  const LB = 'lb.external-lb.example.com';

  test('every kubeconfig kspray writes points at the load balancer', () => {
    const r = rendered.get('external-lb')!;
    const confs = outputFiles(r).filter((f) => f.relPath.endsWith('.conf'));
    expect(confs.map((f) => f.relPath).sort()).toEqual(['admin.conf', 'kubeconfigs/controller-manager.conf', 'kubeconfigs/scheduler.conf', 'kubeconfigs/super-admin.conf']);
    for (const f of confs) {
      const kc = parse(String(f.content));
      expect(kc.clusters.map((c: any) => c.cluster.server), f.relPath).toEqual([`https://${LB}:443`]);
    }
  });

  test('kubeadm uses it as controlPlaneEndpoint (so kubelet.conf and kube-proxy get it) and joins through it', () => {
    const cluster = kubeadmDocs('external-lb', 'cp-1').find((d) => d.kind === 'ClusterConfiguration')!;
    expect(cluster.controlPlaneEndpoint).toBe(`${LB}:443`);
    expect(cluster.apiServer.certSANs).toContain(LB);
    for (const node of ['cp-2', 'worker-1', 'workers']) {
      const join = kubeadmDocs('external-lb', node).find((d) => d.kind === 'JoinConfiguration')!;
      expect(join.discovery.bootstrapToken.apiServerEndpoint, node).toBe(`${LB}:443`);
      expect(planOf('external-lb', node).files.get('/etc/kspray/node.env')!.content, node).toContain("KSPRAY_LOCAL_API_SERVER=''");
    }
  });

  test("every control plane's apiserver certificate carries the load balancer name", () => {
    for (const cp of ['cp-1', 'cp-2', 'cp-3']) {
      const cert = new X509Certificate(planOf('external-lb', cp).files.get('/etc/kubernetes/pki/apiserver.crt')!.content);
      expect(cert.subjectAltName!.split(', '), cp).toContain(`DNS:${LB}`);
    }
  });

  test('no localhost proxy anywhere', () => {
    for (const plan of rendered.get('external-lb')!.plans) {
      expect([...plan.files.keys()].filter((p) => /nginx|haproxy/.test(p)), plan.node.name).toEqual([]);
    }
  });
});

describe('loadBalancer: localhost', () => {
  test('nginx (examples/ha) and haproxy (examples/external-etcd) on workers and pools only', () => {
    const proxyFiles = (example: string) =>
      rendered.get(example)!.plans.map((p) => [p.node.name, [...p.files.keys()].filter((f) => /nginx|haproxy/.test(f)).sort()]);
    for (const [node, files] of proxyFiles('ha')) {
      expect(files, String(node)).toEqual(String(node).startsWith('cp-') ? [] : ['/etc/kubernetes/manifests/nginx-proxy.yaml', '/etc/nginx/nginx.conf']);
    }
    for (const [node, files] of proxyFiles('external-etcd')) {
      const proxied = ['worker-1', 'workers'].includes(String(node));
      expect(files, String(node)).toEqual(proxied ? ['/etc/haproxy/haproxy.cfg', '/etc/kubernetes/manifests/haproxy.yaml'] : []);
    }
  });
});

describe('loadBalancer: kube-vip (examples/kube-vip)', () => {
  const VIP = '10.0.0.10';
  let r: Rendered;
  beforeAll(async () => {
    r = await renderFixture(loadExample('kube-vip'));
  });
  const plan = (node: string) => r.plans.find((p) => p.node.name === node)!;

  test('the VIP is controlPlaneEndpoint, in every kubeconfig and every apiserver certificate', () => {
    for (const f of outputFiles(r).filter((o) => o.relPath.endsWith('.conf'))) {
      expect(parse(String(f.content)).clusters[0].cluster.server, f.relPath).toBe(`https://${VIP}:6443`);
    }
    const docs = parseAllDocuments(plan('cp-1').files.get('/etc/kspray/kubeadm.yaml')!.content).map((d) => d.toJS() as Record<string, any>);
    expect(docs.find((d) => d.kind === 'ClusterConfiguration')!.controlPlaneEndpoint).toBe(`${VIP}:6443`);
    for (const cp of ['cp-1', 'cp-2', 'cp-3']) {
      const cert = new X509Certificate(plan(cp).files.get('/etc/kubernetes/pki/apiserver.crt')!.content);
      expect(cert.subjectAltName!.split(', '), cp).toContain(`IP Address:${VIP}`);
    }
  });

  test('a kube-vip static pod on each control plane only; super-admin.conf on the init node (switched after init), admin.conf elsewhere', () => {
    const pod = (node: string) => plan(node).files.get('/etc/kubernetes/manifests/kube-vip.yaml')?.content;
    expect(pod('worker-1')).toBeUndefined();
    const first = parse(pod('cp-1')!);
    expect(first.spec.volumes).toEqual([{ name: 'kubeconfig', hostPath: { path: '/etc/kubernetes/super-admin.conf', type: 'File' } }]);
    expect(first.spec.containers[0].env).toContainEqual({ name: 'address', value: VIP });
    expect(first.spec.containers[0].env).toContainEqual({ name: 'vip_arp', value: 'true' });
    expect(first.spec.containers[0].image).toBe('ghcr.io/kube-vip/kube-vip:v1.0.3');
    for (const cp of ['cp-2', 'cp-3']) expect(parse(pod(cp)!).spec.volumes[0].hostPath.path, cp).toBe('/etc/kubernetes/admin.conf');
    // kubeadm accepts the manifests directory it finds non-empty.
    for (const cp of ['cp-1', 'cp-2']) expect(plan(cp).files.get('/etc/kspray/kubeadm.yaml')!.content, cp).toContain('DirAvailable--etc-kubernetes-manifests');
  });
});
