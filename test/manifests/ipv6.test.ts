// IPv6 and dual-stack downstream of the model, read from the real render of the examples and matrix
// scenarios (committed test bundles): the localhost proxies checked by nginx -t and haproxy -c for
// both families, each network plugin's per-family settings, kube-vip's IPv6 VIP, nodelocaldns on
// IPv6, kubeadm's per-family flags, and the IPv6 forwarding sysctls.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { Rendered } from '../../src/render.js';
import { compileSpec } from '../../src/compileSpec.js';
import { loadExample, renderFixture, exampleFile } from '../helpers/fixtures.js';
import { NGINX, STREAM_MODULE, hasNginx, planOf, fileOf, nodeNamed, run, tempDir } from './helpers.js';
import { readFileSync } from 'node:fs';
import { haveTool, tool } from '../helpers/validators.js';

const hasHaproxy = haveTool('haproxy');
const HAPROXY = hasHaproxy ? tool('haproxy') : 'haproxy';

const rendered = new Map<string, Rendered>();
const fileAt = (scenario: string, node: string, path: string): string => {
  const plan = rendered.get(scenario)!.plans.find((p) => p.node.name === node)!;
  const f = plan.files.get(path);
  if (!f) throw new Error(`${scenario}/${node}: no ${path}`);
  return f.content;
};
const docsAt = (scenario: string, node: string, path: string) => parseAllDocuments(fileAt(scenario, node, path)).map((d) => d.toJS());
const byKind = (docs: any[], kind: string, name?: string) => docs.find((d) => d?.kind === kind && (name === undefined || d.metadata?.name === name));
const envOf = (container: { env: Array<{ name: string; value?: string }> }) => Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));

beforeAll(async () => {
  for (const s of ['dual-stack', 'ipv6', 'ipv6-debian-flannel-haproxy', 'dualstack-rocky-cilium', 'ipv6-flatcar-kube-router-kube-vip']) {
    rendered.set(s, await renderFixture(loadExample(s)));
  }
}, 60_000);

/** The scenario's spec with one substitution, compiled (for proxy variants the examples do not have). */
const variant = (scenario: string, from: string, to: string) => {
  const text = readFileSync(exampleFile(scenario), 'utf8');
  expect(text).toContain(from);
  return compileSpec(text.replace(from, to), 'cluster.yaml');
};

describe('localhost proxy, both families', () => {
  const stream = existsSync(STREAM_MODULE) ? ['-g', `load_module ${STREAM_MODULE};`] : [];
  const nginxTest = (conf: string) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'nginx.conf'), conf);
    return run(NGINX, ['-t', '-c', join(dir, 'nginx.conf'), '-p', dir, '-e', 'stderr', ...stream]);
  };
  const haproxyTest = (cfg: string) => {
    const path = join(tempDir(), 'haproxy.cfg');
    writeFileSync(path, cfg);
    return run(HAPROXY, ['-c', '-f', path]);
  };

  it('dual-stack nginx listens on 127.0.0.1 and [::1], health on both families, upstreams on the primary (IPv4) addresses', () => {
    const conf = fileAt('dual-stack', 'worker-1', '/etc/nginx/nginx.conf');
    expect(conf).toContain('    listen 127.0.0.1:6443;\n    listen [::1]:6443;\n');
    expect(conf).toContain('    listen 8081;\n    listen [::]:8081 ipv6only=on;\n');
    expect(conf).toContain('    server 10.0.0.11:6443 max_fails=1 fail_timeout=10s;\n');
  });

  it('IPv6-only nginx: upstreams in brackets', () => {
    const model = variant('ipv6-debian-flannel-haproxy', '    localhostProxy: haproxy\n', '    localhostProxy: nginx\n');
    const conf = fileOf(planOf(model, nodeNamed(model, 'worker-1')), '/etc/nginx/nginx.conf');
    expect(conf).toContain('    server [fd00:20::11]:6443 max_fails=1 fail_timeout=10s;\n');
    expect(conf).toContain('    listen [::1]:6443;\n');
  });

  it.skipIf(!hasNginx)('nginx -t accepts both, and refuses an IPv6 upstream without brackets', () => {
    const dual = fileAt('dual-stack', 'worker-1', '/etc/nginx/nginx.conf');
    const r = nginxTest(dual);
    expect(r.stderr).toContain('test is successful');
    const model = variant('ipv6-debian-flannel-haproxy', '    localhostProxy: haproxy\n', '    localhostProxy: nginx\n');
    const v6 = fileOf(planOf(model, nodeNamed(model, 'worker-1')), '/etc/nginx/nginx.conf');
    const r6 = nginxTest(v6);
    expect(r6.stderr).toContain('test is successful');
    expect(r6.status).toBe(0);
    expect(nginxTest(v6.replace('[fd00:20::11]:6443', 'fd00:20::11:6443')).status).not.toBe(0);
  });

  it('IPv6-only haproxy: bracketed servers, loopback of both families, health on both', () => {
    const cfg = fileAt('ipv6-debian-flannel-haproxy', 'worker-1', '/etc/haproxy/haproxy.cfg');
    expect(cfg).toContain('    bind 127.0.0.1:6443\n    bind [::1]:6443\n');
    expect(cfg).toContain('    bind *:8081\n    bind [::]:8081 v6only\n');
    expect(cfg).toContain('    server cp-1 [fd00:20::11]:6443 check check-ssl verify none\n');
  });

  it.skipIf(!hasHaproxy)('haproxy -c accepts the IPv6-only and the dual-stack configs', () => {
    for (const cfg of [
      fileAt('ipv6-debian-flannel-haproxy', 'worker-1', '/etc/haproxy/haproxy.cfg'),
      (() => {
        const model = variant('dual-stack', '    loadBalancer: localhost\n', '    loadBalancer: localhost\n    localhostProxy: haproxy\n');
        return fileOf(planOf(model, nodeNamed(model, 'worker-1')), '/etc/haproxy/haproxy.cfg');
      })(),
    ]) {
      const r = haproxyTest(cfg);
      expect(r.stderr + r.stdout).toMatch(/Configuration file is valid/);
      expect(r.stderr + r.stdout).not.toMatch(/\[WARNING\]|\[ALERT\]/);
    }
  });
});

describe('network plugins', () => {
  it('Calico dual-stack: an IPv4 and an IPv6 pool over VXLAN, IP and IP6 detected towards the first control plane, both families assigned', () => {
    const docs = docsAt('dual-stack', 'cp-1', '/etc/kspray/addons/10-calico.yaml');
    const env = envOf(byKind(docs, 'DaemonSet', 'calico-node').spec.template.spec.containers[0]);
    expect(env).toMatchObject({
      IP: 'autodetect',
      IP_AUTODETECTION_METHOD: 'can-reach=10.0.0.11',
      CALICO_IPV4POOL_CIDR: '10.233.64.0/18',
      IP6: 'autodetect',
      IP6_AUTODETECTION_METHOD: 'can-reach=fd00:10::11',
      CALICO_IPV6POOL_CIDR: 'fd85:ee78:d8a6:8607::1:0/112',
      CALICO_IPV6POOL_BLOCK_SIZE: '120',
      CALICO_IPV6POOL_VXLAN: 'Always',
      FELIX_IPV6SUPPORT: 'true',
    });
    const cni = JSON.parse(byKind(docs, 'ConfigMap', 'calico-config').data.cni_network_config);
    expect(cni.plugins[0].ipam).toEqual({ type: 'calico-ipam', assign_ipv4: 'true', assign_ipv6: 'true' });
  });

  it('Calico IPv6-only: no IPv4 address or pool, IPv6 only assigned', () => {
    const docs = docsAt('ipv6', 'cp-1', '/etc/kspray/addons/10-calico.yaml');
    const env = envOf(byKind(docs, 'DaemonSet', 'calico-node').spec.template.spec.containers[0]);
    expect(env.IP).toBe('none');
    expect(Object.keys(env).filter((k) => k.startsWith('CALICO_IPV4POOL'))).toEqual([]);
    expect(env.IP6_AUTODETECTION_METHOD).toBe('can-reach=fd00:10::11');
    const cni = JSON.parse(byKind(docs, 'ConfigMap', 'calico-config').data.cni_network_config);
    expect(cni.plugins[0].ipam).toEqual({ type: 'calico-ipam', assign_ipv4: 'false', assign_ipv6: 'true' });
  });

  it('Cilium dual-stack: enable-ipv6 and an IPv6 cluster pool next to the IPv4 one', () => {
    const docs = docsAt('dualstack-rocky-cilium', 'cp-1', '/etc/kspray/addons/10-cilium.yaml');
    expect(byKind(docs, 'ConfigMap', 'cilium-config').data).toMatchObject({
      'enable-ipv4': 'true',
      'enable-ipv6': 'true',
      'cluster-pool-ipv4-cidr': '10.233.64.0/18',
      'cluster-pool-ipv6-cidr': 'fd85:ee78:d8a6:8607::1:0/112',
      'cluster-pool-ipv6-mask-size': '120',
      'enable-ipv6-masquerade': 'true',
    });
  });

  it('Flannel IPv6-only: EnableIPv4 false, EnableIPv6 with the IPv6 network and node mask', () => {
    const docs = docsAt('ipv6-debian-flannel-haproxy', 'cp-1', '/etc/kspray/addons/10-flannel.yaml');
    const netConf = JSON.parse(byKind(docs, 'ConfigMap').data['net-conf.json']);
    expect(netConf).toMatchObject({ EnableIPv4: false, EnableIPv6: true, IPv6Network: 'fd85:ee78:d8a6:8607::1:0/112', IPv6SubnetLen: 120 });
    expect(netConf.Network).toBeUndefined();
  });

  it('kube-router IPv6-only: --enable-ipv6=true and --enable-ipv4=false', () => {
    const docs = docsAt('ipv6-flatcar-kube-router-kube-vip', 'cp-1', '/etc/kspray/addons/10-kube-router.yaml');
    const args = byKind(docs, 'DaemonSet', 'kube-router').spec.template.spec.containers[0].args as string[];
    expect(args).toEqual(expect.arrayContaining(['--enable-ipv6=true', '--enable-ipv4=false']));
  });
});

describe('control plane and node settings', () => {
  it('kube-vip holds the IPv6 VIP as a /128', () => {
    const pod = parse(fileAt('ipv6-flatcar-kube-router-kube-vip', 'cp-2', '/etc/kubernetes/manifests/kube-vip.yaml'));
    const env = envOf(pod.spec.containers[0]);
    expect(env.address).toBe('fd00:30::100');
    expect(env.vip_subnet).toBe('128');
  });

  it('kubeadm: node-ip pairs, per-family mask flags, bracketed endpoints', () => {
    const dual = Object.fromEntries(docsAt('dual-stack', 'cp-1', '/etc/kspray/kubeadm.yaml').map((d) => [d.kind, d]));
    expect(dual.InitConfiguration.nodeRegistration.kubeletExtraArgs).toContainEqual({ name: 'node-ip', value: '10.0.0.11,fd00:10::11' });
    expect(dual.ClusterConfiguration.controllerManager.extraArgs).toEqual([
      { name: 'node-cidr-mask-size-ipv4', value: '24' },
      { name: 'node-cidr-mask-size-ipv6', value: '120' },
    ]);
    expect(dual.KubeProxyConfiguration.clusterCIDR).toBe('10.233.64.0/18,fd85:ee78:d8a6:8607::1:0/112');
    const v6 = Object.fromEntries(docsAt('ipv6', 'cp-1', '/etc/kspray/kubeadm.yaml').map((d) => [d.kind, d]));
    expect(v6.ClusterConfiguration.controlPlaneEndpoint).toBe('[fd00:10::100]:6443');
    expect(v6.ClusterConfiguration.etcd.external.endpoints).toEqual(['https://[fd00:10::31]:2379', 'https://[fd00:10::32]:2379', 'https://[fd00:10::33]:2379']);
    expect(v6.ClusterConfiguration.controllerManager.extraArgs).toEqual([{ name: 'node-cidr-mask-size-ipv6', value: '120' }]);
    expect(v6.InitConfiguration.localAPIEndpoint.advertiseAddress).toBe('fd00:10::11');
    const join = parseAllDocuments(fileAt('ipv6', 'worker-1', '/etc/kspray/kubeadm.yaml'))[0]!.toJS();
    expect(join.discovery.bootstrapToken.apiServerEndpoint).toBe('[fd00:10::100]:6443');
  });

  it('nodelocaldns in an IPv6-only cluster binds an IPv6 address, its health endpoint in brackets; kubelet resolves through it', () => {
    const docs = docsAt('ipv6', 'cp-1', '/etc/kspray/addons/30-nodelocaldns.yaml');
    const corefile = byKind(docs, 'ConfigMap', 'nodelocaldns').data.Corefile as string;
    expect(corefile).toContain('    bind fd00::169:254:25:10\n');
    expect(corefile).toContain('    health [fd00::169:254:25:10]:9254\n');
    expect(byKind(docs, 'DaemonSet', 'nodelocaldns').spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(['-localip', 'fd00::169:254:25:10']));
    const kubelet = parseAllDocuments(fileAt('ipv6', 'cp-1', '/etc/kspray/kubeadm.yaml')).map((d) => d.toJS()).find((d) => d.kind === 'KubeletConfiguration');
    expect(kubelet.clusterDNS).toEqual(['fd00::169:254:25:10']);
  });

  it('IPv6 forwarding where the cluster has IPv6, and only there', () => {
    for (const s of ['dual-stack', 'ipv6']) expect(fileAt(s, 'worker-1', '/etc/sysctl.d/99-kubernetes.conf')).toContain('net.ipv6.conf.all.forwarding = 1\nnet.ipv6.conf.default.forwarding = 1\n');
    const v4 = compileSpec(readFileSync(exampleFile('ha'), 'utf8'), 'cluster.yaml');
    expect(v4.kubernetes.ipFamilies).toEqual(['IPv4']);
  });

  it('cni agents reach the API by the bare IPv6 host (client-go adds the brackets)', () => {
    const docs = docsAt('ipv6-flatcar-kube-router-kube-vip', 'cp-1', '/etc/kspray/addons/10-kube-router.yaml');
    const env = envOf(byKind(docs, 'DaemonSet', 'kube-router').spec.template.spec.containers[0]);
    expect(env.KUBERNETES_SERVICE_HOST).toBe('fd00:30::100');
    expect(env.KUBERNETES_SERVICE_PORT).toBe('6443');
  });
});
