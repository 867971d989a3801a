// One spec per named rule in src/model/rules.ts, each breaking exactly that rule, with the exact
// line and column the problem maps to and what the CLI prints for it.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { formatError } from '../../src/cli/report.js';
import { starterSpec } from '../../src/cli/starter.js';
import { kubernetesVersions } from '../../src/catalog/catalog.js';
import { KsprayError, type Problem } from '../../src/errors/errors.js';
import { parseEndpoint, rules, runRules } from '../../src/model/rules.js';
import { compileSpec } from '../../src/compileSpec.js';
import { loadSpec } from '../../src/api/loadSpec.js';
import { expectAt as expectAtLoose, FILE, HEAD, inputErrorOf } from '../helpers/specErrors.js';
import { ADDON_RULE_CASES } from './addonRuleCases.js';
import { NAME_RULE_CASES } from './nameRuleCases.js';
import { CUSTOMIZATION_RULE_CASES } from './customizationRuleCases.js';
import { SECRETS_RULE_CASES } from './secretsRuleCases.js';

const CP1 = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }';
const CP2 = '    - { name: cp-2, address: 10.0.0.12, roles: [control-plane] }';
const CP3 = '    - { name: cp-3, address: 10.0.0.13, roles: [control-plane] }';
const W1 = '    - { name: worker-1, address: 10.0.0.21, roles: [worker] }';

const doc = (...body: string[]) => `${HEAD}${body.join('\n')}\n`;

function compileError(text: string): KsprayError {
  return inputErrorOf(() => compileSpec(text, FILE));
}

const expectAt = (text: string, err: KsprayError, rule: string, line: number, col: number, token: string): Problem =>
  expectAtLoose(text, err, rule, line, col, token, true);

interface Case {
  rule: string;
  text: string;
  line: number;
  col: number;
  token: string;
  message?: string | RegExp;
}

// Exactly one rule broken per spec; line/col/token is where the CLI's caret must land.
const CASES: Case[] = [
  {
    rule: 'dns1123-name',
    text: doc('  nodes:', '    - { name: CP_1, address: 10.0.0.11, roles: [control-plane] }'),
    line: 7,
    col: 15,
    token: 'CP_1',
    message: '"CP_1" is not a valid DNS-1123 label',
  },
  {
    rule: 'valid-cidr',
    text: doc('  kubernetes:', '    serviceSubnet: 10.233.0.1/18', '  nodes:', CP1),
    line: 7,
    col: 20,
    token: '10.233.0.1/18',
    message: 'serviceSubnet "10.233.0.1/18" has host bits set: the IPv4 network with that prefix is 10.233.0.0/18',
  },
  {
    rule: 'subnet-families-match',
    text: doc('  kubernetes:', '    podSubnet: 10.233.64.0/18,fd85:ee78:d8a6:8607::1:0/112', '  nodes:', CP1),
    line: 7,
    col: 16,
    token: '10.233.64.0/18,fd85:ee78:d8a6:8607::1:0/112',
    message: 'podSubnet "10.233.64.0/18,fd85:ee78:d8a6:8607::1:0/112" is dual-stack (IPv4,IPv6) but serviceSubnet "10.233.0.0/18" is IPv4',
  },
  {
    rule: 'cidr-overlap',
    text: doc('  kubernetes:', '    podSubnet: 10.233.0.0/16', '  nodes:', CP1),
    line: 7,
    col: 16,
    token: '10.233.0.0/16',
    message: 'IPv4 podSubnet 10.233.0.0/16 overlaps serviceSubnet 10.233.0.0/18',
  },
  {
    rule: 'node-cidr-mask-family',
    text: doc('  kubernetes:', '    nodeCidrMaskSizeIPv6: 120', '  nodes:', CP1),
    line: 7,
    col: 27,
    token: '120',
    message: 'nodeCidrMaskSizeIPv6 sizes IPv6 pod ranges, but podSubnet "10.233.64.0/18" has no IPv6 CIDR',
  },
  {
    rule: 'node-cidr-fits-pod-subnet',
    text: doc('  kubernetes:', '    nodeCidrMaskSize: 18', '  nodes:', CP1),
    line: 7,
    col: 23,
    token: '18',
    message: 'nodeCidrMaskSize /18 is not smaller than the IPv4 pod subnet /18',
  },
  {
    rule: 'valid-address',
    text: doc('  nodes:', '    - { name: cp-1, address: 10.0.0.256, roles: [control-plane] }'),
    line: 7,
    col: 30,
    token: '10.0.0.256',
    message: '"10.0.0.256" is not an IPv4 address',
  },
  {
    rule: 'address-family-matches-cluster',
    text: doc('  nodes:', '    - { name: cp-1, address: fd00:10::11, roles: [control-plane] }'),
    line: 7,
    col: 30,
    token: 'fd00:10::11',
    message: 'node address fd00:10::11 is an IPv6 address, but the cluster is IPv4-only: serviceSubnet and podSubnet have no IPv6 CIDR',
  },
  {
    rule: 'address-outside-cluster-subnets',
    text: doc('  nodes:', '    - { name: cp-1, address: 10.233.70.1, roles: [control-plane] }'),
    line: 7,
    col: 30,
    token: '10.233.70.1',
    message: 'node address 10.233.70.1 is inside podSubnet 10.233.64.0/18',
  },
  {
    rule: 'unique-addresses',
    text: doc('  nodes:', CP1, '    - { name: worker-1, address: 10.0.0.11, roles: [worker] }'),
    line: 8,
    col: 34,
    token: '10.0.0.11',
    message: 'address 10.0.0.11 is used twice (first by cp-1)',
  },
  {
    rule: 'unique-node-names',
    text: doc('  nodes:', CP1, '    - { name: cp-1, address: 10.0.0.21, roles: [worker] }'),
    line: 8,
    col: 15,
    token: 'cp-1',
    message: 'node or pool name "cp-1" is used twice (first at spec.nodes[0])',
  },
  {
    rule: 'has-control-plane',
    text: doc('  nodes:', W1),
    line: 7,
    col: 5,
    token: '- { name: worker-1',
    message: 'no node has the control-plane role',
  },
  {
    rule: 'control-plane-has-fixed-address',
    text: doc('  nodes:', CP1, '  pools:', '    - { name: masters, roles: [control-plane], count: 2 }'),
    line: 9,
    col: 31,
    token: '[control-plane]',
    message: 'pool "masters" has the control-plane or etcd role',
  },
  {
    rule: 'stacked-etcd-on-control-plane',
    text: doc('  nodes:', CP1, CP2, '    - { name: etcd-1, address: 10.0.0.13, roles: [etcd] }'),
    line: 9,
    col: 50,
    token: '[etcd]',
    message: 'node "etcd-1" has the etcd role without control-plane, but etcd.topology is stacked',
  },
  {
    rule: 'external-etcd-has-members',
    text: doc('  etcd:', '    topology: external', '  nodes:', CP1),
    line: 7,
    col: 15,
    token: 'external',
    message: 'etcd.topology is external, but no node has the etcd role',
  },
  {
    rule: 'odd-etcd-members',
    text: doc('  nodes:', CP1, CP2, W1),
    line: 7,
    col: 5,
    token: '- { name: cp-1',
    message: '2 etcd members: an even count tolerates no more failures than one fewer',
  },
  {
    // openEuler boots cgroup v1; Kubernetes 1.35 (kubelet failCgroupV1 defaults to true) would never start its kubelet.
    rule: 'os-cgroup-v1',
    text: doc('  kubernetes: { version: "1.35.4" }', '  nodes:', '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: openeuler-24.03 }'),
    line: 8,
    col: 69,
    token: 'openeuler-24.03',
    message: 'os "openeuler-24.03" boots with cgroup v1, and the kubelet of Kubernetes 1.35.4 refuses to start on cgroup v1 unless failCgroupV1 is false',
  },
  {
    rule: 'known-kubernetes-version',
    text: doc('  kubernetes:', '    version: "1.30.0"', '  nodes:', CP1),
    line: 7,
    col: 14,
    token: '"1.30.0"',
    message: 'kubernetes version "1.30.0" has no checksums in the catalog',
  },
  {
    rule: 'external-lb-needs-endpoint',
    text: doc('  controlPlane:', '    loadBalancer: external', '  nodes:', CP1),
    line: 7,
    col: 19,
    token: 'external',
    message: 'loadBalancer: external needs controlPlane.endpoint (the load balancer address)',
  },
  {
    rule: 'ignition-config-url',
    text: doc('  ignition:', '    configUrlBase: ftp://boot.example.com/ign', '  nodes:', CP1),
    line: 7,
    col: 20,
    token: 'ftp://boot.example.com/ign',
    message: /Ignition config URL base "ftp:\/\/boot\.example\.com\/ign" .* is not an https:\/\/, http:\/\/, s3:\/\/ or gs:\/\/ URL/,
  },
  {
    rule: 'kube-vip-needs-vip',
    text: doc('  controlPlane:', '    loadBalancer: kube-vip', '    endpoint: api.example.com:6443', '  nodes:', CP1),
    line: 8,
    col: 15,
    token: 'api.example.com:6443',
    message: 'loadBalancer: kube-vip needs controlPlane.endpoint to be an IP address (IPv4, or IPv6 in brackets) on the apiserver port 6443, not "api.example.com:6443"',
  },
  {
    rule: 'addon-manifest-checksum',
    text: doc('  addons:', '    certManager: { manifestSha256: abc123 }', '  nodes:', CP1),
    line: 7,
    col: 36,
    token: 'abc123',
    message: 'addons.certManager.manifestSha256 "abc123" is not a sha256 (64 hex digits)',
  },
  {
    rule: 'metallb-address-pools',
    text: doc('  addons:', '    metallb:', '      manifestSha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '      addressPools: [{ name: lb, addresses: [10.0.0.210-10.0.0.200] }]', '  nodes:', CP1),
    line: 9,
    col: 46,
    token: '10.0.0.210-10.0.0.200',
    message: '"10.0.0.210-10.0.0.200" is not a CIDR or a range first-last (one family, first <= last)',
  },
  {
    rule: 'metallb-pools-outside-cluster-subnets',
    text: doc('  addons:', '    metallb:', '      manifestSha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '      addressPools: [{ name: lb, addresses: [10.233.1.0/24] }]', '  nodes:', CP1),
    line: 9,
    col: 46,
    token: '10.233.1.0/24',
    message: 'MetalLB addresses 10.233.1.0/24 overlap serviceSubnet 10.233.0.0/18',
  },
  {
    rule: 'metallb-pools-exclude-node-addresses',
    text: doc('  addons:', '    metallb:', '      manifestSha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '      addressPools: [{ name: lb, addresses: [10.0.0.0/28] }]', '  nodes:', CP1),
    line: 9,
    col: 46,
    token: '10.0.0.0/28',
    message: 'MetalLB addresses 10.0.0.0/28 include the address of node "cp-1"',
  },
  {
    rule: 'valid-endpoint',
    text: doc('  controlPlane:', '    endpoint: https://api.example.com:6443', '  nodes:', CP1),
    line: 7,
    col: 15,
    token: 'https://api.example.com:6443',
    message: 'controlPlane.endpoint "https://api.example.com:6443" is not host or host:port',
  },
  {
    rule: 'network-plugin-ip-families',
    text: doc(
      '  kubernetes:',
      '    serviceSubnet: 10.233.0.0/18,fd85:ee78:d8a6:8607::1000/116',
      '    podSubnet: 10.233.64.0/18,fd85:ee78:d8a6:8607::1:0/112',
      '  network:',
      '    calico: { encapsulation: ipip }',
      '  nodes:',
      '    - { name: cp-1, address: "10.0.0.11,fd00:10::11", roles: [control-plane] }',
    ),
    line: 10,
    col: 30,
    token: 'ipip',
    message: "Calico's IP-in-IP encapsulation carries only IPv4, but this cluster is dual-stack (IPv4,IPv6): IPv6 pod traffic between nodes would have no tunnel",
  },
  {
    rule: 'kube-proxy-replacement-needs-cilium',
    text: doc('  network:', '    cilium:', '      kubeProxyReplacement: true', '  nodes:', CP1),
    line: 8,
    col: 29,
    token: 'true',
    message: 'kubeProxyReplacement needs network.plugin: cilium, not calico',
  },
  {
    rule: 'plugin-settings-match-plugin',
    text: doc('  network:', '    plugin: flannel', '    calico: { encapsulation: ipip }', '  nodes:', CP1),
    line: 7,
    col: 13,
    token: 'flannel',
    message: 'network.calico settings have no effect with network.plugin: flannel',
  },
  {
    rule: 'calico-routes-between-nodes',
    text: doc('  network:', '    calico: { encapsulation: ipip, bgp: false }', '  nodes:', CP1),
    line: 7,
    col: 41,
    token: 'false',
  },
  {
    rule: 'calico-block-fits-pods',
    text: doc('  kubernetes: { podSubnet: 10.50.0.0/22, nodeCidrMaskSize: 24 }', '  network:', '    calico: { blockSize: 21 }', '  nodes:', CP1),
    line: 8,
    col: 26,
    token: '21',
  },
  {
    rule: 'multus-needs-plugin',
    text: doc('  network:', '    plugin: none', '    multus: true', '  nodes:', CP1),
    line: 8,
    col: 13,
    token: 'true',
  },
  {
    rule: 'mtu-fits-encapsulation',
    text: doc('  network:', '    mtu: 8990', '  nodes:', CP1),
    line: 7,
    col: 10,
    token: '8990',
    message: 'network.mtu 8990 plus the 50-byte calico vxlan header exceeds the largest host MTU, 9000',
  },
  {
    rule: 'proxy-mode-needs-kube-proxy',
    text: doc('  kubernetes:', '    proxyMode: iptables', '  network:', '    plugin: cilium', '    cilium: { kubeProxyReplacement: true }', '  nodes:', CP1),
    line: 7,
    col: 16,
    token: 'iptables',
  },
  {
    rule: 'runtime-version',
    text: doc('  containerRuntime:', '    version: "1.6.20"', '  nodes:', CP1),
    line: 7,
    col: 14,
    token: '"1.6.20"',
    message: 'containerd version "1.6.20" has no amd64 checksum in the catalog',
  },
  {
    rule: 'crio-matches-kubernetes',
    text: doc('  kubernetes:', '    version: "1.35.4"', '  containerRuntime:', '    name: cri-o', '    version: "1.34.11"', '  nodes:', CP1),
    line: 10,
    col: 14,
    token: '"1.34.11"',
    message: "cri-o 1.34.11 does not match kubernetes 1.35.4: cri-o's minor must equal kubernetes' minor",
  },
  {
    rule: 'runtime-os',
    text: doc('  containerRuntime:', '    name: cri-o', '  nodes:', '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: flatcar }'),
    line: 9,
    col: 69,
    token: 'flatcar',
    message: 'cri-o is not available on flatcar',
  },
  {
    rule: 'registry-mirrors',
    text: doc(
      '  containerRuntime:',
      '    registryMirrors:',
      '      - { host: docker.io, endpoints: ["https://a.internal"] }',
      '      - { host: docker.io, endpoints: ["https://b.internal"] }',
      '  nodes:',
      CP1,
    ),
    line: 9,
    col: 17,
    token: 'docker.io',
    message: 'registry "docker.io" has mirrors listed twice',
  },
  ...ADDON_RULE_CASES,
  ...NAME_RULE_CASES,
  ...CUSTOMIZATION_RULE_CASES,
  ...SECRETS_RULE_CASES,
];

describe('one spec per rule', () => {
  test('every named rule has a case', () => {
    expect(CASES.map((c) => c.rule)).toEqual(rules.map((r) => r.name));
  });

  test.each(CASES)('$rule', (c) => {
    const err = compileError(c.text);
    // Exactly this rule fails, once.
    expect(err.problems.map((p) => p.rule)).toEqual([c.rule]);
    const p = expectAt(c.text, err, c.rule, c.line, c.col, c.token);
    if (typeof c.message === 'string') expect(p.message).toBe(c.message);
    else if (c.message) expect(p.message).toMatch(c.message);
  });
});

describe('rule details', () => {
  test('secrets-fetch-url: fetch without urlBase points at delivery; an https urlBase with a CA compiles', () => {
    const text = doc('  secrets:', '    delivery: fetch', '  nodes:', CP1);
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['secrets-fetch-url']);
    expectAt(text, err, 'secrets-fetch-url', 7, 15, 'fetch');
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const m = compileSpec(doc('  secrets:', '    delivery: fetch', '    urlBase: https://boot.example/demo/', `    caCert: ${JSON.stringify(ca)}`, '  nodes:', CP1), FILE);
    expect(m.secrets).toEqual({ delivery: 'fetch', urlBase: 'https://boot.example/demo', caCert: ca });
    expect(compileSpec(doc('  nodes:', CP1), FILE).secrets).toEqual({ delivery: 'inline' });
  });

  test('ignition-config-url-secret: plain http is accepted when config.ign holds no secret (fetch) or no Ignition node exists', () => {
    const flatcar = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: flatcar }';
    const fetch = ['  secrets:', '    delivery: fetch', '    urlBase: https://boot.example/demo'];
    expect(compileSpec(doc('  ignition:', '    configUrlBase: http://boot.example/ign', ...fetch, '  nodes:', flatcar), FILE).ignition.configUrlBase).toBe('http://boot.example/ign');
    expect(compileSpec(doc('  ignition:', '    configUrlBase: http://boot.example/ign', '  nodes:', CP1), FILE).ignition.configUrlBase).toBe('http://boot.example/ign');
  });

  test('dns1123-name checks metadata.name', () => {
    const text = doc('  nodes:', CP1).replace('name: demo', 'name: Demo');
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['dns1123-name']);
    expectAt(text, err, 'dns1123-name', 4, 9, 'Demo');
  });

  test('dns1123-name checks pool names and the 63-character limit', () => {
    const long = `w${'x'.repeat(63)}`;
    const text = doc('  nodes:', CP1, '  pools:', `    - { name: ${long}, roles: [worker] }`);
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['dns1123-name']);
    expectAt(text, err, 'dns1123-name', 9, 15, long);
    expect(runRules(loadSpec(text.replace(long, long.slice(1)), FILE).spec)).toEqual([]);
  });

  test('valid-cidr refuses text that is not a CIDR at all', () => {
    const text = doc('  kubernetes:', '    podSubnet: 10.233.64.0', '  nodes:', CP1);
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['valid-cidr']);
    expectAt(text, err, 'valid-cidr', 7, 16, '10.233.64.0');
  });

  test('cidr-overlap points at serviceSubnet when that is the one the user wrote', () => {
    const text = doc('  kubernetes:', '    serviceSubnet: 10.233.64.0/20', '  nodes:', CP1);
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['cidr-overlap']);
    expectAt(text, err, 'cidr-overlap', 7, 20, '10.233.64.0/20');
  });

  test('node-cidr-fits-pod-subnet points at podSubnet when the mask is the default', () => {
    const text = doc('  kubernetes:', '    podSubnet: 10.233.64.0/24', '  nodes:', CP1);
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['node-cidr-fits-pod-subnet']);
    const p = expectAt(text, err, 'node-cidr-fits-pod-subnet', 7, 16, '10.233.64.0/24');
    expect(p.hint).toBe('Use a mask size greater than 24, or a bigger IPv4 podSubnet.');
  });

  test('address-outside-cluster-subnets also guards the service subnet', () => {
    const text = doc('  nodes:', '    - { name: cp-1, address: 10.233.0.1, roles: [control-plane] }');
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['address-outside-cluster-subnets']);
    expect(expectAt(text, err, 'address-outside-cluster-subnets', 7, 30, '10.233.0.1').message).toBe(
      'node address 10.233.0.1 is inside serviceSubnet 10.233.0.0/18',
    );
  });

  test('unique-node-names: a pool may not reuse a node name', () => {
    const text = doc('  nodes:', CP1, '  pools:', '    - { name: cp-1, roles: [worker] }');
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['unique-node-names']);
    expect(expectAt(text, err, 'unique-node-names', 9, 15, 'cp-1').message).toContain('first at spec.nodes[0]');
  });

  test('has-control-plane with no nodes at all points at spec', () => {
    const text = doc('  pools:', '    - { name: workers, roles: [worker] }');
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['has-control-plane']);
    expectAt(text, err, 'has-control-plane', 6, 3, 'pools:');
  });

  test('odd-etcd-members counts control planes that are listed as etcd too, once', () => {
    const text = doc('  nodes:', CP1.replace('[control-plane]', '[control-plane, etcd]'), CP2, CP3);
    expect(runRules(loadSpec(text, FILE).spec)).toEqual([]);
  });

  test('odd-etcd-members with external etcd counts only etcd-role nodes', () => {
    // 1 control plane + 3 etcd nodes: the etcd cluster has 3 members; a 4th etcd node makes it even.
    const nodes = [
      '  etcd:',
      '    topology: external',
      '  nodes:',
      CP1,
      CP2,
      '    - { name: etcd-1, address: 10.0.0.31, roles: [etcd] }',
      '    - { name: etcd-2, address: 10.0.0.32, roles: [etcd] }',
      '    - { name: etcd-3, address: 10.0.0.33, roles: [etcd] }',
    ];
    const model = compileSpec(doc(...nodes), FILE);
    expect(model.nodes.filter((n) => n.isEtcd).map((n) => n.name)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    expect(model.nodes.filter((n) => n.isControlPlane).every((n) => !n.isEtcd)).toBe(true);
    const text = doc(...nodes, '    - { name: etcd-4, address: 10.0.0.34, roles: [etcd] }');
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['odd-etcd-members']);
    expectAt(text, err, 'odd-etcd-members', 9, 5, '- { name: cp-1');
  });

  test('known-kubernetes-version lists every valid version', () => {
    const text = CASES.find((c) => c.rule === 'known-kubernetes-version')!.text;
    const err = compileError(text);
    const known = kubernetesVersions();
    expect(known).toContain('1.36.4');
    expect(err.problems[0]!.hint).toBe(`Use one of: ${known.join(', ')}.`);
    const out = formatError(err);
    for (const v of known) expect(out).toContain(v);
  });

  test('kube-vip: the endpoint is the VIP on the bind port; missing or another port is refused', () => {
    const ok = compileSpec(doc('  controlPlane:', '    loadBalancer: kube-vip', '    endpoint: 10.0.0.10', '  nodes:', CP1), FILE);
    expect(ok.controlPlane.kubeadmEndpoint).toBe('10.0.0.10:6443');
    const none = doc('  controlPlane:', '    loadBalancer: kube-vip', '  nodes:', CP1);
    const err = compileError(none);
    expect(err.problems.map((p) => p.rule)).toEqual(['kube-vip-needs-vip']);
    expect(expectAt(none, err, 'kube-vip-needs-vip', 7, 19, 'kube-vip').message).toBe('loadBalancer: kube-vip needs controlPlane.endpoint (the virtual IP)');
    const port = doc('  controlPlane:', '    loadBalancer: kube-vip', '    endpoint: 10.0.0.10:443', '  nodes:', CP1);
    expect(compileError(port).problems.map((p) => p.rule)).toEqual(['kube-vip-needs-vip']);
  });

  test('external load balancer with an endpoint is accepted', () => {
    const text = doc('  controlPlane:', '    loadBalancer: external', '    endpoint: lb.example.com:443', '  nodes:', CP1);
    const model = compileSpec(text, FILE);
    expect(model.controlPlane.kubeadmEndpoint).toBe('lb.example.com:443');
    expect(model.controlPlane.extraSANs).toEqual(['lb.example.com']);
  });

  test.each(['api.example.com:99999', 'api_1.example.com', '10.0.0:6443', 'api.example.com:', '-api.example.com'])(
    'valid-endpoint refuses %s',
    (endpoint) => {
      expect(parseEndpoint(endpoint)).toBeUndefined();
      const text = doc('  controlPlane:', `    endpoint: "${endpoint}"`, '  nodes:', CP1);
      const err = compileError(text);
      expect(err.problems.map((p) => p.rule)).toEqual(['valid-endpoint']);
      expectAt(text, err, 'valid-endpoint', 7, 15, `"${endpoint}"`);
    },
  );

  test('parseEndpoint accepts host, host:port and IPv4', () => {
    expect(parseEndpoint('api.example.com')).toEqual({ host: 'api.example.com', port: undefined });
    expect(parseEndpoint('API.Example.com:6443')).toEqual({ host: 'API.Example.com', port: 6443 });
    expect(parseEndpoint('10.0.0.10:443')).toEqual({ host: '10.0.0.10', port: 443 });
  });
});

describe('several rules at once', () => {
  test('every failing rule is reported, each at its own position', () => {
    const text = doc(
      '  kubernetes:',
      '    version: "1.29.0"', // 7
      '    podSubnet: 10.233.0.0/16', // 8
      '  controlPlane:',
      '    loadBalancer: external', // 10
      '  nodes:', // 11
      CP1, // 12
      '    - { name: cp_2, address: 10.0.0.11, roles: [control-plane] }', // 13
    );
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual([
      'dns1123-name',
      'cidr-overlap',
      'unique-addresses',
      'odd-etcd-members',
      'known-kubernetes-version',
      'external-lb-needs-endpoint',
    ]);
    expectAt(text, err, 'dns1123-name', 13, 15, 'cp_2');
    expectAt(text, err, 'cidr-overlap', 8, 16, '10.233.0.0/16');
    expectAt(text, err, 'unique-addresses', 13, 30, '10.0.0.11');
    expectAt(text, err, 'odd-etcd-members', 12, 5, '- { name: cp-1');
    expectAt(text, err, 'known-kubernetes-version', 7, 14, '"1.29.0"');
    expectAt(text, err, 'external-lb-needs-endpoint', 10, 19, 'external');
    expect(formatError(err)).toMatch(/\n\n6 problems found\.$/);
  });
});

describe('valid specs', () => {
  test.each(['single', 'ha'])('examples/%s/cluster.yaml passes every rule', (name) => {
    const text = readFileSync(new URL(`../../examples/${name}/cluster.yaml`, import.meta.url), 'utf8');
    const { spec } = loadSpec(text, `examples/${name}/cluster.yaml`);
    expect(runRules(spec)).toEqual([]);
    expect(compileSpec(text, FILE).name).toBe(name);
  });

  test("`kspray init`'s starter spec passes every rule", () => {
    const { spec } = loadSpec(starterSpec('demo'), FILE);
    expect(runRules(spec)).toEqual([]);
  });

  test('the smallest spec (one control plane, everything defaulted) passes', () => {
    expect(runRules(loadSpec(doc('  nodes:', CP1), FILE).spec)).toEqual([]);
  });
});

describe('os-cgroup-v1 (openEuler 24.03 boots cgroup v1)', () => {
  const spec = (version: string, clusterKubelet: string, nodeKubelet: string) =>
    doc(`  kubernetes: { version: "${version}" }`, ...(clusterKubelet ? [`  kubelet: { config: { ${clusterKubelet} } }`] : []), '  nodes:', `    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: openeuler-24.03${nodeKubelet ? `, kubelet: { config: { ${nodeKubelet} } }` : ''} }`);
  const problems = (text: string) => {
    try {
      compileSpec(text, FILE);
      return [];
    } catch (e) {
      return (e as KsprayError).problems.map((p) => p.rule);
    }
  };
  test('failCgroupV1: false on the cluster or on the node carries it; a node override back to true, or 1.35+ without it, is refused', () => {
    expect(problems(spec('1.35.4', 'failCgroupV1: false', ''))).toEqual([]);
    expect(problems(spec('1.36.4', '', 'failCgroupV1: false'))).toEqual([]);
    expect(problems(spec('1.36.4', 'failCgroupV1: false', 'failCgroupV1: true'))).toEqual(['os-cgroup-v1']);
    expect(problems(spec('1.36.4', '', ''))).toEqual(['os-cgroup-v1']);
    // Before 1.35 the kubelet's default already allows cgroup v1.
    expect(problems(spec('1.34.11', '', ''))).toEqual([]);
    // The hint names the field and the way out.
    const err = inputErrorOf(() => compileSpec(spec('1.35.4', '', ''), FILE));
    expect(err.problems[0]!.hint).toContain('kubelet: { config: { failCgroupV1: false } }');
    expect(err.problems[0]!.hint).toContain('rocky-10');
  });
});
