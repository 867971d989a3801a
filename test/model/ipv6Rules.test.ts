// Bad IPv6 and dual-stack input: each spec breaks one invariant and the error lands on the line and
// column of what the user wrote, names the family, and says what to write instead. The CLI test at
// the end checks the whole way out: exit 2, file:line:col, no stack trace, nothing written.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileSpec } from '../../src/compileSpec.js';
import { expectAt, FILE, HEAD, inputErrorOf } from '../helpers/specErrors.js';
import { runCli } from '../helpers/runCli.js';

const doc = (...body: string[]) => `${HEAD}${body.join('\n')}\n`;
const DUAL = ['  kubernetes:', '    serviceSubnet: 10.233.0.0/18,fd85:ee78:d8a6:8607::1000/116', '    podSubnet: 10.233.64.0/18,fd85:ee78:d8a6:8607::1:0/112'];
const V6 = ['  kubernetes:', '    serviceSubnet: fd85:ee78:d8a6:8607::1000/116', '    podSubnet: fd85:ee78:d8a6:8607::1:0/112'];
const CP_DUAL = '    - { name: cp-1, address: "10.0.0.11,fd00:10::11", roles: [control-plane] }';
const CP_V6 = '    - { name: cp-1, address: "fd00:10::11", roles: [control-plane] }';

interface Case {
  what: string;
  text: string;
  rule: string;
  line: number;
  col: number;
  token: string;
  message: string;
}

const CASES: Case[] = [
  {
    what: 'mixed families where one family is needed: podSubnet dual-stack, serviceSubnet IPv4 only',
    text: doc('  kubernetes:', '    podSubnet: 10.233.64.0/18,fd85:ee78:d8a6:8607::1:0/112', '  nodes:', CP_DUAL),
    rule: 'subnet-families-match',
    line: 7,
    col: 16,
    token: '10.233.64.0/18,fd85',
    message: 'podSubnet "10.233.64.0/18,fd85:ee78:d8a6:8607::1:0/112" is dual-stack (IPv4,IPv6) but serviceSubnet "10.233.0.0/18" is IPv4',
  },
  {
    what: 'mixed families in one range: a MetalLB range from an IPv4 to an IPv6 address',
    text: doc(
      ...DUAL,
      '  addons:',
      '    metallb:',
      '      manifestSha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      '      addressPools: [{ name: lb, addresses: [10.0.0.200-fd00:10::220] }]',
      '  nodes:',
      CP_DUAL,
    ),
    rule: 'metallb-address-pools',
    line: 12,
    col: 46,
    token: '10.0.0.200-fd00:10::220',
    message: '"10.0.0.200-fd00:10::220" is not a CIDR or a range first-last (one family, first <= last)',
  },
  {
    what: 'two CIDRs of one family',
    text: doc('  kubernetes:', '    serviceSubnet: 10.233.0.0/18,10.234.0.0/18', '  nodes:', CP_DUAL.replace(',fd00:10::11', '')),
    rule: 'valid-cidr',
    line: 7,
    col: 20,
    token: '10.233.0.0/18,10.234.0.0/18',
    message: 'serviceSubnet "10.233.0.0/18,10.234.0.0/18" has two IPv4 CIDRs: a dual-stack pair is one IPv4 and one IPv6 CIDR',
  },
  {
    what: 'two addresses of one family on a node',
    text: doc(...DUAL, '  nodes:', '    - { name: cp-1, address: "fd00:10::11,fd00:10::12", roles: [control-plane] }'),
    rule: 'valid-address',
    line: 10,
    col: 30,
    token: '"fd00:10::11,fd00:10::12"',
    message: 'address "fd00:10::11,fd00:10::12" has two IPv6 addresses: a dual-stack node has one IPv4 and one IPv6 address',
  },
  {
    what: 'an IPv6 node address in an IPv4-only cluster',
    text: doc('  nodes:', '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }', '    - { name: w-1, address: "fd00:10::21", roles: [worker] }'),
    rule: 'address-family-matches-cluster',
    line: 8,
    col: 29,
    token: '"fd00:10::21"',
    message: 'node address fd00:10::21 is an IPv6 address, but the cluster is IPv4-only: serviceSubnet and podSubnet have no IPv6 CIDR',
  },
  {
    what: 'an IPv4 node address in an IPv6-only cluster',
    text: doc(...V6, '  nodes:', '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }'),
    rule: 'address-family-matches-cluster',
    line: 10,
    col: 30,
    token: '10.0.0.11',
    message: 'node address 10.0.0.11 is an IPv4 address, but the cluster is IPv6-only: serviceSubnet and podSubnet have no IPv4 CIDR',
  },
  {
    what: 'a dual-stack cluster node without its IPv6 address',
    text: doc(...DUAL, '  nodes:', '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }'),
    rule: 'address-family-matches-cluster',
    line: 10,
    col: 30,
    token: '10.0.0.11',
    message:
      'node address "10.0.0.11" has no IPv6 address, but the cluster is dual-stack: kubelet (--node-ip) and the network plugin need the node\'s address of each family',
  },
  {
    what: 'a node pair in the other order than the subnets',
    text: doc(...DUAL, '  nodes:', '    - { name: cp-1, address: "fd00:10::11,10.0.0.11", roles: [control-plane] }'),
    rule: 'address-family-matches-cluster',
    line: 10,
    col: 30,
    token: '"fd00:10::11,10.0.0.11"',
    message: 'node address "fd00:10::11,10.0.0.11" lists its families in another order than serviceSubnet and podSubnet (IPv4,IPv6)',
  },
  {
    what: 'an IPv6 node mask that does not fit the IPv6 pod subnet',
    text: doc(...DUAL, '    nodeCidrMaskSizeIPv6: 112', '  network:', '    plugin: flannel', '  nodes:', CP_DUAL),
    rule: 'node-cidr-fits-pod-subnet',
    line: 9,
    col: 27,
    token: '112',
    message: 'nodeCidrMaskSizeIPv6 /112 is not smaller than the IPv6 pod subnet /112',
  },
  {
    what: 'an IPv6 pod subnet too big for the default node mask (more than 16 bits: kube-controller-manager refuses)',
    text: doc('  kubernetes:', '    serviceSubnet: fd85:ee78:d8a6:8607::1000/116', '    podSubnet: fd85:ee78:d8a6:9000::/64', '  nodes:', CP_V6),
    rule: 'node-cidr-fits-pod-subnet',
    line: 8,
    col: 16,
    token: 'fd85:ee78:d8a6:9000::/64',
    message: 'nodeCidrMaskSizeIPv6 /120 is more than 16 bits longer than the IPv6 pod subnet /64: kube-controller-manager refuses to start with that ("CIDRSet subnet mask size too big")',
  },
  {
    what: 'an IPv4 node mask in an IPv6-only cluster',
    text: doc(...V6, '    nodeCidrMaskSize: 24', '  nodes:', CP_V6),
    rule: 'node-cidr-mask-family',
    line: 9,
    col: 23,
    token: '24',
    message: 'nodeCidrMaskSize sizes IPv4 pod ranges, but podSubnet "fd85:ee78:d8a6:8607::1:0/112" has no IPv4 CIDR',
  },
  {
    what: 'an IPv6 CIDR with host bits set names the family and the network meant',
    text: doc('  kubernetes:', '    serviceSubnet: fd85:ee78:d8a6:8607::1000/100', '    podSubnet: fd85:ee78:d8a6:8607::1:0/112', '  nodes:', CP_V6),
    rule: 'valid-cidr',
    line: 7,
    col: 20,
    token: 'fd85:ee78:d8a6:8607::1000/100',
    message: 'serviceSubnet "fd85:ee78:d8a6:8607::1000/100" has host bits set: the IPv6 network with that prefix is fd85:ee78:d8a6:8607::/100',
  },
  {
    what: 'overlapping IPv6 subnets name the family',
    text: doc('  kubernetes:', '    serviceSubnet: fd85:ee78:d8a6:8607::1000/116', '    podSubnet: fd85:ee78:d8a6:8607::/112', '  nodes:', CP_V6),
    rule: 'cidr-overlap',
    line: 8,
    col: 16,
    token: 'fd85:ee78:d8a6:8607::/112',
    message: 'IPv6 podSubnet fd85:ee78:d8a6:8607::/112 overlaps serviceSubnet fd85:ee78:d8a6:8607::1000/116',
  },
  {
    what: 'an IPv6 endpoint without brackets',
    text: doc(...V6, '  controlPlane:', '    endpoint: fd00:10::100', '  nodes:', CP_V6),
    rule: 'valid-endpoint',
    line: 10,
    col: 15,
    token: 'fd00:10::100',
    message: 'controlPlane.endpoint "fd00:10::100" is an IPv6 address without brackets: its last group cannot be told apart from a port',
  },
  {
    what: 'an IPv6 kube-vip VIP for IPv4-only control planes',
    text: doc('  controlPlane:', '    loadBalancer: kube-vip', '    endpoint: "[fd00:10::100]:6443"', '  nodes:', '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }'),
    rule: 'kube-vip-needs-vip',
    line: 8,
    col: 15,
    token: '"[fd00:10::100]:6443"',
    message: "kube-vip's virtual IP fd00:10::100 is an IPv6 address, but the control planes have only IPv4 addresses",
  },
  {
    what: "Calico's IP-in-IP with IPv6",
    text: doc(...DUAL, '  network:', '    plugin: calico', '    calico: { encapsulation: ipip }', '  nodes:', CP_DUAL),
    rule: 'network-plugin-ip-families',
    line: 11,
    col: 30,
    token: 'ipip',
    message: "Calico's IP-in-IP encapsulation carries only IPv4, but this cluster is dual-stack (IPv4,IPv6): IPv6 pod traffic between nodes would have no tunnel",
  },
  {
    what: "Cilium's tunnel in an IPv6-only cluster",
    text: doc(...V6, '  network:', '    plugin: cilium', '  nodes:', CP_V6),
    rule: 'network-plugin-ip-families',
    line: 10,
    col: 13,
    token: 'cilium',
    message: "Cilium's vxlan tunnel needs an IPv4 network between the nodes (docs.cilium.io: routing, cilium/cilium#17240), but this cluster is IPv6-only",
  },
  {
    what: "an IPv6 node mask Calico cannot use as its block size",
    text: doc('  kubernetes:', '    serviceSubnet: fd85:ee78:d8a6:8607::1000/116', '    podSubnet: fd85:ee78:d8a6:9000::/104', '    nodeCidrMaskSizeIPv6: 112', '  nodes:', CP_V6),
    rule: 'calico-block-size',
    line: 9,
    col: 27,
    token: '112',
    message: "nodeCidrMaskSizeIPv6 /112 is not a block size Calico accepts for IPv6 (116 to 128): Calico's IP pool would be rejected",
  },
];

describe('IPv6 and dual-stack bad input', () => {
  test.each(CASES)('$what', (c) => {
    const err = inputErrorOf(() => compileSpec(c.text, FILE));
    expect(err.problems.map((p) => p.rule)).toEqual([c.rule]);
    const p = expectAt(c.text, err, c.rule, c.line, c.col, c.token, true);
    expect(p.message).toBe(c.message);
  });

  test('the fixed specs compile: dual-stack and IPv6-only with bracketed endpoint and VIP', () => {
    const dual = compileSpec(doc(...DUAL, '  nodes:', CP_DUAL), FILE);
    expect(dual.kubernetes.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(dual.kubernetes.apiServiceIPs).toEqual(['10.233.0.1', 'fd85:ee78:d8a6:8607::1001']);
    expect(dual.kubernetes.dnsServiceIP).toBe('10.233.0.10');
    expect(dual.nodes[0]!.addresses).toEqual(['10.0.0.11', 'fd00:10::11']);
    const v6 = compileSpec(doc(...V6, '  controlPlane:', '    loadBalancer: kube-vip', '    endpoint: "[FD00:10::0100]"', '  nodes:', CP_V6), FILE);
    expect(v6.kubernetes.ipFamilies).toEqual(['IPv6']);
    expect(v6.kubernetes.dnsServiceIP).toBe('fd85:ee78:d8a6:8607::100a');
    expect(v6.controlPlane.kubeadmEndpoint).toBe('[fd00:10::100]:6443');
    expect(v6.addons.nodeLocalDNSAddress).toBe('fd00::169:254:25:10');
  });

  test('the CLI: exit 2 at file:line:col with the hint, no stack trace, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-ipv6-bad-'));
    const c = CASES.find((x) => x.what === 'an IPv6 node address in an IPv4-only cluster')!;
    writeFileSync(join(dir, 'cluster.yaml'), c.text);
    const r = await runCli(['render', '-f', 'cluster.yaml', '--out', 'out'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`cluster.yaml:${c.line}:${c.col}: error[${c.rule}]: ${c.message}`);
    expect(r.stderr).toContain('hint: Give the node its IPv4 address, or add an IPv6 CIDR to both serviceSubnet and podSubnet to make the cluster dual-stack.');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
