// Defaults follow Kubespray's (roles/kubespray_defaults) where it has one; the first control plane
// is the first control-plane node in spec order.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { componentVersions, defaultKubernetesVersion } from '../../src/catalog/catalog.js';
import { KsprayError } from '../../src/errors/errors.js';
import { DEFAULTS } from '../../src/model/defaults.js';
import { firstControlPlane } from '../../src/model/model.js';
import { toModel } from '../../src/model/toModel.js';
import { loadSpec } from '../../src/api/loadSpec.js';

const HEAD = 'apiVersion: kspray.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: demo\nspec:\n';
const model = (body: string) => toModel(loadSpec(`${HEAD}${body}`, 'cluster.yaml').spec, 'cluster.yaml');
const example = (name: string) =>
  toModel(loadSpec(readFileSync(new URL(`../../examples/${name}/cluster.yaml`, import.meta.url), 'utf8'), name).spec);

describe("defaults are Kubespray's", () => {
  const m = model('  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }\n');

  test('subnets, DNS and service addresses', () => {
    expect(m.kubernetes.serviceSubnet).toBe('10.233.0.0/18'); // kube_service_addresses
    expect(m.kubernetes.podSubnet).toBe('10.233.64.0/18'); // kube_pods_subnet
    expect(m.kubernetes.nodeCidrMaskSize).toBe(24); // kube_network_node_prefix
    expect(m.kubernetes.clusterDomain).toBe('cluster.local'); // dns_domain
    expect(m.kubernetes.proxyMode).toBe('ipvs'); // kube_proxy_mode
    expect(m.kubernetes.apiServiceIP).toBe('10.233.0.1'); // kube_apiserver_ip: ipaddr(1)
    expect(m.kubernetes.dnsServiceIP).toBe('10.233.0.10'); // kubeadm's kube-dns Service: the 10th address
    expect(m.addons.nodeLocalDNS).toBe(true); // enable_nodelocaldns
    expect(m.addons.nodeLocalDNSAddress).toBe('169.254.25.10'); // nodelocaldns_ip
  });

  test('network, runtime, load balancer and the rest', () => {
    expect(m.network.plugin).toBe('calico'); // kube_network_plugin
    expect(m.containerRuntime.name).toBe('containerd'); // container_manager
    expect(m.controlPlane.loadBalancer).toBe('localhost'); // loadbalancer_apiserver_localhost
    expect(m.controlPlane.bindPort).toBe(6443); // kube_apiserver_port
    expect(m.etcd.topology).toBe('stacked');
    expect(m.pki).toEqual({ algorithm: 'ECDSA-P256', certValidityDays: 365, caValidityDays: 3650 });
    expect(m.bootstrapToken.ttl).toBe('24h');
    expect(m.addons.metricsServer).toBe(false);
    expect(m.provider).toBe('baremetal');
    expect(m.nodes[0]).toMatchObject({ os: 'ubuntu-24.04', arch: 'amd64', count: 1, labels: {}, taints: [] });
  });

  test('the default Kubernetes version is the catalog default, with its component versions', () => {
    expect(m.kubernetes.version).toBe(defaultKubernetesVersion());
    expect(m.kubernetes.minor).toBe(defaultKubernetesVersion().split('.').slice(0, 2).join('.'));
    expect(m.versions).toEqual(componentVersions(defaultKubernetesVersion()));
  });

  test('DEFAULTS holds the same values the model uses', () => {
    expect(DEFAULTS.kubernetes).toMatchObject({ serviceSubnet: '10.233.0.0/18', podSubnet: '10.233.64.0/18', proxyMode: 'ipvs' });
    expect(DEFAULTS.addons.nodeLocalDNSAddress).toBe('169.254.25.10');
  });

  test('service addresses follow a custom serviceSubnet', () => {
    const c = model(
      '  kubernetes:\n    serviceSubnet: 10.96.0.0/12\n    podSubnet: 10.244.0.0/16\n  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }\n',
    );
    expect(c.kubernetes.apiServiceIP).toBe('10.96.0.1');
    expect(c.kubernetes.dnsServiceIP).toBe('10.96.0.10');
  });
});

describe('first control plane', () => {
  test('is the first control-plane node in spec order, not by name', () => {
    const m = model(
      [
        '  nodes:',
        '    - { name: worker-1, address: 10.0.0.21, roles: [worker] }',
        '    - { name: cp-b, address: 10.0.0.12, roles: [control-plane] }',
        '    - { name: cp-a, address: 10.0.0.11, roles: [control-plane] }',
        '    - { name: cp-c, address: 10.0.0.13, roles: [control-plane] }',
        '',
      ].join('\n'),
    );
    expect(m.nodes.filter((n) => n.isFirstControlPlane).map((n) => n.name)).toEqual(['cp-b']);
    expect(firstControlPlane(m).name).toBe('cp-b');
    // localhost LB: kubeadm joins through the first control plane, as Kubespray does.
    expect(m.controlPlane.kubeadmEndpoint).toBe('10.0.0.12:6443');
    expect(m.controlPlane.clientEndpoint).toEqual({ host: '10.0.0.12', port: 6443 });
    expect(m.nodes.map((n) => [n.name, n.isEtcd])).toEqual([
      ['worker-1', false],
      ['cp-b', true],
      ['cp-a', true],
      ['cp-c', true],
    ]);
  });

  test('examples: cp-1 in both', () => {
    for (const name of ['single', 'ha']) expect(firstControlPlane(example(name)).name).toBe('cp-1');
  });
});

describe('examples', () => {
  test('ha: nodes then pools in spec order, roles normalized, endpoint in the SANs', () => {
    const m = example('ha');
    expect(m.nodes.map((n) => `${n.kind}:${n.name}`)).toEqual([
      'node:cp-1',
      'node:cp-2',
      'node:cp-3',
      'node:worker-1',
      'node:worker-2',
      'node:worker-3',
      'pool:batch',
    ]);
    expect(m.nodes[0]!.roles).toEqual(['control-plane', 'etcd']);
    expect(m.nodes[0]!.specPath).toEqual(['spec', 'nodes', 0]);
    expect(m.nodes[6]).toMatchObject({ count: 5, labels: { workload: 'batch' }, specPath: ['spec', 'pools', 0] });
    expect(m.controlPlane.clientEndpoint).toEqual({ host: 'api.ha.example.internal', port: 6443 });
    expect(m.controlPlane.extraSANs).toEqual(['api.ha.example.internal']);
    expect(m.kubernetes.version).toBe('1.36.4');
  });

  test('toModel refuses a spec that breaks a rule with an input error', () => {
    try {
      model('  nodes: []\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KsprayError);
      expect((e as KsprayError).kind).toBe('input');
      expect((e as KsprayError).problems.map((p) => p.rule)).toEqual(['has-control-plane']);
    }
  });
});
