// Each rule at its edges: one row per case, a spec that must pass (the value just inside the limit,
// the other branch of the condition) or one that must fail with exactly that rule, at the line and
// column of what the user wrote, with the message the CLI prints. rules.test.ts has one failing spec
// per rule; these rows pin down where each rule's limit lies (found by mutation testing, issue 23).
import { describe, expect, test } from 'vitest';
import { compileSpec } from '../../src/compileSpec.js';
import { loadSpec } from '../../src/api/loadSpec.js';
import { runRules } from '../../src/model/rules.js';
import { reportError } from '../../src/cli/report.js';
import { crioVersionFor, crioVersions } from '../../src/catalog/runtime.js';
import { SSH_KEY } from './nameRuleCases.js';
import { expectAt, FILE, HEAD, inputErrorOf } from '../helpers/specErrors.js';

const CP1 = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }';
const CP_DUAL = '    - { name: cp-1, address: "10.0.0.11,fd00:10::11", roles: [control-plane] }';
const CP_V6 = '    - { name: cp-1, address: "fd00:10::11", roles: [control-plane] }';
const DUAL = ['  kubernetes:', '    serviceSubnet: 10.233.0.0/18,fd85:ee78:d8a6:8607::1000/116', '    podSubnet: 10.233.64.0/18,fd85:ee78:d8a6:8607::1:0/112'];
const V6 = ['  kubernetes:', '    serviceSubnet: fd85:ee78:d8a6:8607::1000/116', '    podSubnet: fd85:ee78:d8a6:8607::1:0/112'];

interface Row {
  what: string;
  /** Lines under `spec:`; a control plane node is added when they list no nodes. */
  body: string[];
  /** Absent: the spec passes every rule. */
  fails?: {
    rule: string;
    /** What the caret must point at: its first occurrence on the first line holding `line` (default: the token itself). */
    token: string;
    line?: string;
    message?: string | RegExp;
    hint?: RegExp;
  };
}

const specOf = (body: string[]) => `${HEAD}${[...body, ...(body.includes('  nodes:') ? [] : ['  nodes:', CP1])].join('\n')}\n`;

/** Runs one row: a passing spec yields no problem; a failing one exactly its rule, where the row says, and exit 2. */
function checkRow(row: Row): void {
  const text = specOf(row.body);
  if (!row.fails) {
    expect(runRules(loadSpec(text, FILE).spec)).toEqual([]);
    return;
  }
  const { rule, token, line: lineHint, message, hint } = row.fails;
  const err = inputErrorOf(() => compileSpec(text, FILE));
  expect(err.problems.map((p) => p.rule)).toEqual([rule]);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(lineHint ?? token));
  expect(line, `no line holds ${lineHint ?? token}`).toBeGreaterThanOrEqual(0);
  const col = lines[line]!.indexOf(token) + 1;
  const p = expectAt(text, err, rule, line + 1, col, token, true);
  // What the CLI does with it: exit 2, file:line:col on stderr.
  let stderr = '';
  expect(reportError(err, (s) => (stderr += s))).toBe(2);
  expect(stderr).toContain(`${FILE}:${line + 1}:${col}: error[${rule}]: ${p.message}`);
  if (typeof message === 'string') expect(p.message).toBe(message);
  else if (message) expect(p.message).toMatch(message);
  if (hint !== undefined) expect(p.hint).toMatch(hint);
}

const addons = (...lines: string[]) => ['  addons:', ...lines];
const zone = (name: string) => addons(`    coredns: { zones: [{ name: "${name}", servers: [10.0.0.53] }] }`);
const upstream = (server: string) => addons(`    coredns: { upstreamServers: ["${server}"] }`);
const badServer = (server: string): Row => ({
  what: `DNS server ${server} is refused`,
  body: upstream(server),
  fails: { rule: 'dns-server-address', token: `"${server}"`, message: `DNS server "${server}" is not an IP address with an optional port` },
});
const goodServer = (server: string): Row => ({ what: `DNS server ${server} is accepted`, body: upstream(server) });
// 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters, every label at most 63.
const LONGEST_ZONE = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
const zoneMessage = (name: string, reason: string) => `coredns zone "${name}" ${reason}`;
const CLUSTER = 'would take over names CoreDNS answers from the cluster (cluster.local, in-addr.arpa, ip6.arpa, or the root)';

const ADDON_ROWS: Row[] = [
  goodServer('8.8.8.8'),
  goodServer('8.8.8.8:1'),
  goodServer('8.8.8.8:53'),
  goodServer('8.8.8.8:65535'),
  goodServer('2001:4860:4860::8888'),
  goodServer('[2001:4860:4860::8888]:53'),
  goodServer('[::1]:5353'),
  badServer('8.8.8.8:0'),
  badServer('8.8.8.8:65536'),
  badServer('8.8.8.8x'),
  badServer('x8.8.8.8'),
  badServer('999.8.8.8'),
  badServer('8.8.8.8:123456'),
  badServer('[2001:4860:4860::8888]'),
  badServer('x[2001:4860:4860::8888]:53'),
  badServer('[2001:4860:4860::8888]:53x'),
  badServer('[8.8.8.8]:53'),
  {
    what: "a zone's server is checked too, and the caret lands on it",
    body: addons('    coredns: { zones: [{ name: corp.example.com, servers: [10.0.0.53, ns.corp.example.com] }] }'),
    fails: { rule: 'dns-server-address', token: 'ns.corp.example.com' },
  },
  { what: 'a stub zone outside the cluster domain is accepted', body: zone('corp.example.com') },
  { what: 'a zone name of 253 characters is accepted', body: zone(LONGEST_ZONE) },
  { what: 'a zone name of 254 characters is refused', body: zone(`${LONGEST_ZONE}d`), fails: { rule: 'coredns-zone-name', token: `"${LONGEST_ZONE}d"`, message: zoneMessage(`${LONGEST_ZONE}d`, 'is not a DNS name') } },
  { what: 'a zone label of 63 characters is accepted', body: zone(`${'a'.repeat(63)}.example.com`) },
  { what: 'a zone label of 64 characters is refused', body: zone(`${'a'.repeat(64)}.example.com`), fails: { rule: 'coredns-zone-name', token: `"${'a'.repeat(64)}`, message: zoneMessage(`${'a'.repeat(64)}.example.com`, 'is not a DNS name') } },
  { what: 'a zone label ending in "-" is refused', body: zone('corp-.example.com'), fails: { rule: 'coredns-zone-name', token: '"corp-.example.com"', message: zoneMessage('corp-.example.com', 'is not a DNS name') } },
  { what: 'a zone label with "_" after a valid start is refused', body: zone('a_b.example.com'), fails: { rule: 'coredns-zone-name', token: '"a_b.example.com"' } },
  { what: 'a zone whose last label only is bad is refused', body: zone('corp.example.c_m'), fails: { rule: 'coredns-zone-name', token: '"corp.example.c_m"' } },
  {
    what: 'the cluster domain itself is refused',
    body: zone('cluster.local'),
    fails: { rule: 'coredns-zone-name', token: '"cluster.local"', message: zoneMessage('cluster.local', CLUSTER), hint: /^Forward only zones outside the cluster domain/ },
  },
  { what: 'the root zone "." is refused', body: zone('.'), fails: { rule: 'coredns-zone-name', token: '"."', message: zoneMessage('.', CLUSTER) } },
  { what: 'an IPv4 reverse zone is refused', body: zone('10.in-addr.arpa'), fails: { rule: 'coredns-zone-name', token: '"10.in-addr.arpa"', message: zoneMessage('10.in-addr.arpa', CLUSTER) } },
  { what: 'the IPv6 reverse zone is refused', body: zone('ip6.arpa.'), fails: { rule: 'coredns-zone-name', token: '"ip6.arpa."', message: zoneMessage('ip6.arpa.', CLUSTER) } },
  { what: 'a zone that only ends like the cluster domain is accepted', body: zone('notcluster.local') },
  {
    what: 'a zone listed twice (case and trailing dot aside) is refused at the second',
    body: addons('    coredns:', '      zones:', '        - { name: corp.example.com, servers: [10.0.0.53] }', '        - { name: Corp.Example.com., servers: [10.0.0.54] }'),
    fails: { rule: 'coredns-zone-name', token: 'Corp.Example.com.', message: zoneMessage('Corp.Example.com.', 'is listed twice') },
  },
  { what: 'dnsAutoscaler.max equal to min is accepted', body: addons('    dnsAutoscaler: { min: 3, max: 3 }') },
  { what: 'dnsAutoscaler.max above the default min is accepted', body: addons('    dnsAutoscaler: { max: 5 }') },
  { what: 'dnsAutoscaler.max below the default min (2) is refused', body: addons('    dnsAutoscaler: { max: 1 }'), fails: { rule: 'dns-autoscaler-bounds', token: '1 }', message: 'dnsAutoscaler.max 1 is below dnsAutoscaler.min 2' } },
  { what: 'registry.size with a storageClass is accepted', body: addons('    registry: { size: 20Gi, storageClass: standard }') },
  { what: "a disabled registry may name local-path's class", body: addons('    registry: { enabled: false, storageClass: local-path }') },
  { what: "the registry may use local-path's class when the provisioner is on", body: addons('    registry: { storageClass: local-path }', '    localPathProvisioner: {}') },
  {
    what: 'a provisioner with enabled: false is off',
    body: addons('    registry: { storageClass: local-path }', '    localPathProvisioner: { enabled: false }'),
    fails: { rule: 'registry-claim-provisioner', token: 'local-path }', line: 'registry:' },
  },
  {
    what: "the provisioner's own class name counts, even when it is off",
    body: addons('    registry: { storageClass: fast }', '    localPathProvisioner: { enabled: false, storageClass: fast }'),
    fails: { rule: 'registry-claim-provisioner', token: 'fast }', line: 'registry:', message: `registry.storageClass is "fast", the local-path-provisioner's class, but addons.localPathProvisioner is off: the claim would never bind` },
  },
  { what: 'the registry may name another class when the provisioner is off', body: addons('    registry: { storageClass: standard }') },
  { what: 'a namespace of 63 characters is accepted', body: addons(`    localPathProvisioner: { namespace: ${'n'.repeat(63)} }`) },
  { what: 'a namespace of 64 characters is refused', body: addons(`    localPathProvisioner: { namespace: ${'n'.repeat(64)} }`), fails: { rule: 'addon-object-names', token: 'n'.repeat(64) } },
  { what: "the registry's namespace of 63 characters is accepted", body: addons(`    registry: { namespace: ${'n'.repeat(63)} }`) },
  { what: "the registry's namespace of 64 characters is refused", body: addons(`    registry: { namespace: ${'n'.repeat(64)} }`), fails: { rule: 'addon-object-names', token: 'n'.repeat(64), message: `namespace name "${'n'.repeat(64)}" is not valid in Kubernetes` } },
  { what: "the registry's namespace must be a label", body: addons('    registry: { namespace: Kube_System }'), fails: { rule: 'addon-object-names', token: 'Kube_System', message: 'namespace name "Kube_System" is not valid in Kubernetes' } },
  { what: "local-path's StorageClass must be a DNS name", body: addons('    localPathProvisioner: { storageClass: Local_Path }'), fails: { rule: 'addon-object-names', token: 'Local_Path', message: 'StorageClass name "Local_Path" is not valid in Kubernetes' } },
  { what: "the registry's StorageClass must be a DNS name", body: addons('    registry: { storageClass: Fast_SSD }'), fails: { rule: 'addon-object-names', token: 'Fast_SSD', message: 'StorageClass name "Fast_SSD" is not valid in Kubernetes' } },
  { what: 'a dotted StorageClass is accepted', body: addons('    registry: { storageClass: ssd.example.com }', '    localPathProvisioner: { storageClass: local.path }') },
  { what: 'an absolute claimRoot is accepted', body: addons('    localPathProvisioner: { claimRoot: /var/lib/lpp }') },
  { what: 'a claimRoot with a trailing slash is accepted', body: addons('    localPathProvisioner: { claimRoot: /var/lib/lpp/ }') },
  { what: 'claimRoot / is refused', body: addons('    localPathProvisioner: { claimRoot: / }'), fails: { rule: 'local-path-claim-root', token: '/ }', message: 'localPathProvisioner.claimRoot "/" is not an absolute directory below /' } },
  { what: 'claimRoot // is refused', body: addons('    localPathProvisioner: { claimRoot: // }'), fails: { rule: 'local-path-claim-root', token: '// }' } },
  { what: 'a claimRoot climbing out with .. is refused', body: addons('    localPathProvisioner: { claimRoot: /var/../etc }'), fails: { rule: 'local-path-claim-root', token: '/var/../etc' } },
  { what: 'a claimRoot with a name only starting with .. is accepted', body: addons('    localPathProvisioner: { claimRoot: /var/..lpp }') },
];

const net = (...lines: string[]) => ['  network:', ...lines];
const mtuRow = (lines: string[], mtu: number, fails?: string): Row => {
  const body = net(...lines, `    mtu: ${mtu}`);
  if (!fails) return { what: `mtu ${mtu} fits ${lines.join(' ').trim() || 'the default'}`, body };
  return {
    what: `mtu ${mtu} is too big for ${lines.join(' ').trim() || 'the default'}`,
    body,
    fails: { rule: 'mtu-fits-encapsulation', token: String(mtu), line: 'mtu:', message: `network.mtu ${mtu} plus the ${fails} header exceeds the largest host MTU, 9000` },
  };
};

const NETWORK_ROWS: Row[] = [
  mtuRow([], 8950),
  mtuRow([], 8951, '50-byte calico vxlan'),
  mtuRow(['    calico: { encapsulation: ipip }'], 8980),
  mtuRow(['    calico: { encapsulation: ipip }'], 8981, '20-byte calico ipip'),
  mtuRow(['    calico: { encapsulation: none }'], 9000),
  mtuRow(['    plugin: cilium'], 8950),
  mtuRow(['    plugin: cilium'], 8951, '50-byte cilium vxlan'),
  mtuRow(['    plugin: cilium', '    cilium: { tunnel: geneve }'], 8951, '50-byte cilium geneve'),
  mtuRow(['    plugin: flannel'], 8950),
  mtuRow(['    plugin: flannel'], 8951, '50-byte flannel vxlan'),
  mtuRow(['    plugin: kube-router'], 8980),
  mtuRow(['    plugin: kube-router'], 8981, '20-byte kube-router ipip'),
  mtuRow(['    plugin: none'], 9000),
  { what: 'dual-stack with a network block but no calico block is accepted', body: [...DUAL, ...net('    plugin: calico'), '  nodes:', CP_DUAL] },
  { what: 'dual-stack Calico with VXLAN is accepted', body: [...DUAL, ...net('    calico: { encapsulation: vxlan }'), '  nodes:', CP_DUAL] },
  { what: 'dual-stack Cilium is accepted', body: [...DUAL, ...net('    plugin: cilium'), '  nodes:', CP_DUAL] },
  {
    what: 'a calico block under another plugin is only a settings mismatch, even dual-stack with ipip',
    body: [...DUAL, ...net('    plugin: flannel', '    calico: { encapsulation: ipip }'), '  nodes:', CP_DUAL],
    fails: { rule: 'plugin-settings-match-plugin', token: 'flannel', message: 'network.calico settings have no effect with network.plugin: flannel' },
  },
  {
    what: "IPv6-only Cilium with a tunnel written points at the tunnel",
    body: [...V6, ...net('    plugin: cilium', '    cilium: { tunnel: geneve }'), '  nodes:', CP_V6],
    fails: {
      rule: 'network-plugin-ip-families',
      token: 'geneve',
      message: "Cilium's geneve tunnel needs an IPv4 network between the nodes (docs.cilium.io: routing, cilium/cilium#17240), but this cluster is IPv6-only",
    },
  },
  {
    what: 'cilium settings without plugin: cilium point at the cilium block',
    body: net('    cilium: { tunnel: geneve }'),
    fails: { rule: 'plugin-settings-match-plugin', token: '{ tunnel: geneve }', message: 'network.cilium settings have no effect with network.plugin: calico' },
  },
  {
    what: 'cilium settings under plugin: flannel point at the plugin',
    body: net('    plugin: flannel', '    cilium: { tunnel: vxlan }'),
    fails: { rule: 'plugin-settings-match-plugin', token: 'flannel', message: 'network.cilium settings have no effect with network.plugin: flannel' },
  },
  { what: 'cilium settings with plugin: cilium are accepted', body: net('    plugin: cilium', '    cilium: { tunnel: geneve, kubeProxyReplacement: true }') },
  { what: 'Calico VXLAN needs no BGP', body: net('    calico: { encapsulation: vxlan, bgp: false }') },
  { what: 'Calico without encapsulation but with BGP is accepted', body: net('    calico: { encapsulation: none, bgp: true }') },
  {
    what: 'Calico without encapsulation and without BGP is refused',
    body: net('    calico: { encapsulation: none, bgp: false }'),
    fails: { rule: 'calico-routes-between-nodes', token: 'false', message: "network.calico.encapsulation: none needs BGP: without BIRD no node learns the other nodes' pod routes" },
  },
  { what: 'crossSubnet with VXLAN is accepted', body: net('    calico: { crossSubnet: true }') },
  { what: 'crossSubnet with ipip is accepted', body: net('    calico: { encapsulation: ipip, crossSubnet: true }') },
  { what: 'crossSubnet: false without encapsulation is accepted', body: net('    calico: { encapsulation: none, crossSubnet: false }') },
  {
    what: 'crossSubnet without a tunnel is refused',
    body: net('    calico: { encapsulation: none, crossSubnet: true }'),
    fails: { rule: 'calico-routes-between-nodes', token: 'true', message: 'crossSubnet: true needs a tunnel for traffic between subnets, and encapsulation is none' },
  },
  { what: 'the default block size written out is accepted', body: net('    calico: { blockSize: 26 }') },
  { what: 'a block as large as the pod subnet is accepted', body: ['  kubernetes: { podSubnet: 10.50.0.0/22, nodeCidrMaskSize: 24 }', ...net('    calico: { blockSize: 22 }')] },
  {
    what: 'a block one bit larger than the pod subnet is refused',
    body: ['  kubernetes: { podSubnet: 10.50.0.0/22, nodeCidrMaskSize: 24 }', ...net('    calico: { blockSize: 21 }')],
    fails: { rule: 'calico-block-fits-pods', token: '21', message: 'a /21 Calico block is larger than the pod subnet 10.50.0.0/22' },
  },
  { what: 'dual-stack blockSize sizes the IPv4 pool', body: [...DUAL, ...net('    calico: { blockSize: 20 }'), '  nodes:', CP_DUAL] },
  { what: 'multus on Calico is accepted', body: net('    multus: true') },
  { what: 'multus: false with plugin none is accepted', body: net('    plugin: none', '    multus: false') },
  { what: 'a proxyMode with Cilium keeping kube-proxy is accepted', body: ['  kubernetes: { proxyMode: iptables }', ...net('    plugin: cilium')] },
  { what: 'a proxyMode with Cilium settings but kube-proxy kept is accepted', body: ['  kubernetes: { proxyMode: iptables }', ...net('    plugin: cilium', '    cilium: { kubeProxyReplacement: false }')] },
  { what: 'a proxyMode with Calico is accepted', body: ['  kubernetes: { proxyMode: iptables }', ...net('    calico: { encapsulation: vxlan }')] },
  {
    what: 'a proxyMode with the replacement set under calico is only the replacement\'s problem',
    body: ['  kubernetes: { proxyMode: ipvs }', ...net('    cilium: { kubeProxyReplacement: true }')],
    fails: { rule: 'kube-proxy-replacement-needs-cilium', token: 'true' },
  },
  { what: "Cilium's replacement without a proxyMode is accepted", body: net('    plugin: cilium', '    cilium: { kubeProxyReplacement: true }') },
  {
    what: 'a proxyMode with the replacement says so',
    body: ['  kubernetes: { proxyMode: ipvs }', ...net('    plugin: cilium', '    cilium: { kubeProxyReplacement: true }')],
    fails: { rule: 'proxy-mode-needs-kube-proxy', token: 'ipvs', message: "kubernetes.proxyMode: ipvs has no effect: with Cilium's kubeProxyReplacement there is no kube-proxy" },
  },
];

const CA = '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n';
const fetchAt = (urlBase: string, ...more: string[]) => ['  secrets:', '    delivery: fetch', `    urlBase: "${urlBase}"`, ...more];
const badUrlBase = (urlBase: string): Row => ({ what: `secrets urlBase ${urlBase} is refused`, body: fetchAt(urlBase), fails: { rule: 'secrets-fetch-url', token: `"${urlBase}"` } });
const FLATCAR = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: flatcar }';

const SECRETS_ROWS: Row[] = [
  { what: 'an https urlBase without a path is accepted', body: fetchAt('https://boot.example') },
  { what: 'an https urlBase with a path is accepted', body: fetchAt('https://boot.example/demo/') },
  badUrlBase('see https://boot.example/demo'),
  badUrlBase('https://boot.example/demo?token=1'),
  badUrlBase('https://boot.example/demo#x'),
  badUrlBase('https:///demo'),
  { what: 'a payloadUrlBase with a query is refused', body: ['  cloudInit:', '    payloadUrlBase: "https://boot.example/p?sig=1"'], fails: { rule: 'cloud-init-payload-url', token: '"https://boot.example/p?sig=1"' } },
  { what: 'an https payloadUrlBase is accepted', body: ['  cloudInit:', '    payloadUrlBase: https://boot.example/p'] },
  { what: 'a CA with a blank line before it is accepted', body: fetchAt('https://boot.example', `    caCert: "\\n${CA}"`) },
  { what: 'a CA with text before it is refused', body: fetchAt('https://boot.example', `    caCert: "junk\\n${CA}"`), fails: { rule: 'secrets-ca-pem', token: '"junk', message: 'spec.secrets.caCert is not PEM certificate text (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)' } },
  { what: 'a CA with text after it is refused', body: fetchAt('https://boot.example', `    caCert: "${CA}junk\\n"`), fails: { rule: 'secrets-ca-pem', token: '"-----BEGIN' } },
  { what: 'a CA chain of two certificates is accepted', body: fetchAt('https://boot.example', `    caCert: "${CA}${CA}"`) },
  { what: 'aws-secrets-manager on the aws provider is accepted', body: ['  provider: { name: aws }', '  secrets: { delivery: aws-secrets-manager }'] },
  { what: 'an https Ignition config URL with inline secrets is accepted', body: ['  ignition:', '    configUrlBase: https://boot.example/ign', '  nodes:', FLATCAR] },
  {
    what: 'one Ignition node among others is enough to refuse a plain http config URL with inline secrets',
    body: ['  ignition:', '    configUrlBase: http://boot.example/ign', '  nodes:', CP1, '  pools:', '    - { name: w, roles: [worker], os: flatcar }'],
    fails: { rule: 'ignition-config-url-secret', token: 'http://boot.example/ign' },
  },
];

const runtime = (...lines: string[]) => ['  containerRuntime:', ...lines];
const RUNTIME_ROWS: Row[] = [
  {
    what: 'an unknown runtime version names the first arch missing in sorted order, whatever the node order',
    body: [...runtime('    version: "1.6.20"'), '  nodes:', CP1.replace('] }', '], arch: arm64 }'), '    - { name: w-1, address: 10.0.0.21, roles: [worker] }'],
    fails: { rule: 'runtime-version', token: '"1.6.20"', message: 'containerd version "1.6.20" has no amd64 checksum in the catalog' },
  },
  {
    what: 'cri-o with a kubernetes version the catalog lacks is left to known-kubernetes-version',
    body: ['  kubernetes:', '    version: "1.30.0"', ...runtime('    name: cri-o')],
    fails: { rule: 'known-kubernetes-version', token: '"1.30.0"' },
  },
  {
    what: "a pinned cri-o of another minor lists the six newest cri-o of kubernetes' minor",
    body: ['  kubernetes:', '    version: "1.34.3"', ...runtime('    name: cri-o', `    version: "${crioVersionFor('1.35.0')}"`)],
    fails: {
      rule: 'crio-matches-kubernetes',
      token: `"${crioVersionFor('1.35.0')}"`,
      hint: new RegExp(`^Use a cri-o of the same minor \\(${crioVersions('amd64').filter((v) => v.startsWith('1.34.')).slice(0, 6).join(', ').replaceAll('.', '\\.')}\\), or`),
    },
  },
  { what: 'a mirror for one registry is fine with cri-o', body: runtime('    name: cri-o', '    registryMirrors: [{ host: docker.io, endpoints: ["https://cache.internal"] }]') },
  { what: 'a mirror for one registry is fine with artifacts.registry', body: ['  artifacts: { registry: "registry.internal:5000" }', ...runtime('    registryMirrors: [{ host: docker.io, endpoints: ["https://cache.internal"] }]')] },
];

const NAME_ROWS: Row[] = [
  {
    what: "a pool's label key is checked, at the pool",
    body: ['  nodes:', CP1, '  pools:', '    - { name: w, roles: [worker], labels: { "tier $(id)": web } }'],
    fails: { rule: 'label-key', token: '"tier $(id)"' },
  },
  {
    what: "a pool's taint value is checked, at the pool",
    body: ['  nodes:', CP1, '  pools:', '    - { name: w, roles: [worker], taints: [{ key: example.com/gpu, value: "a,b", effect: NoSchedule }] }'],
    fails: { rule: 'taint-value', token: '"a,b"' },
  },
  {
    what: 'the second SSH key is checked, at the second',
    body: ['  ssh:', `    authorizedKeys: ["${SSH_KEY}", "ssh-rsa"]`],
    fails: { rule: 'ssh-authorized-key', token: '"ssh-rsa"' },
  },
];

const W1 = '    - { name: w-1, address: 10.0.0.21, roles: [worker] }';
const cpWith = (extra: string, os = '') => `    - { name: cp-1, address: 10.0.0.11, roles: [control-plane]${os ? `, os: ${os}` : ''}, ${extra} }`;
const workerWith = (name: string, extra: string, os = '') => `    - { name: ${name}, address: 10.0.0.2${name.length}, roles: [worker]${os ? `, os: ${os}` : ''}, ${extra} }`;
const reserved = (component: string, flag: string, reason: string) => `${component} flag --${flag} is set by kspray and cannot be overridden: ${reason}`;
const file = (path: string) => `{ path: ${path}, content: x }`;
const LONGEST_SAN = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;

const CUSTOMIZATION_ROWS: Row[] = [
  {
    what: "a node's kubelet config is checked, at the node",
    body: ['  nodes:', cpWith('kubelet: { config: { maxPod: 110 } }')],
    fails: { rule: 'component-config', token: 'maxPod' },
  },
  {
    what: 'ipvs.strictARP is kspray\'s when MetalLB is on',
    body: [
      '  kubeProxy: { config: { ipvs: { strictARP: false } } }',
      '  addons:',
      '    metallb:',
      '      manifestSha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      '      addressPools: [{ name: lb, addresses: [10.0.0.200-10.0.0.210] }]',
    ],
    fails: { rule: 'component-config', token: 'strictARP', message: /"ipvs\.strictARP" is set by kspray and cannot be overridden: spec\.addons\.metallb needs it on with ipvs \(kspray turns it on\)$/ },
  },
  { what: 'ipvs.strictARP is the user\'s without MetalLB', body: ['  kubeProxy: { config: { ipvs: { strictARP: true } } }'] },
  {
    what: 'an extraArgs key with dashes is refused',
    body: ['  controlPlane:', '    scheduler: { extraArgs: { --v: "2" } }'],
    fails: { rule: 'extra-args', token: '--v', message: 'extraArgs key "--v" must be the flag name without leading dashes' },
  },
  {
    what: 'audit-log-path is kspray\'s with an audit policy',
    body: ['  controlPlane:', '    apiServer:', '      auditPolicy: { apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{ level: Metadata }] }', '      extraArgs: { audit-log-path: /tmp/a.log }'],
    fails: { rule: 'extra-args', token: 'audit-log-path', message: reserved('kube-apiserver', 'audit-log-path', 'with auditPolicy kspray logs to /var/log/kubernetes/audit/audit.log and mounts that directory') },
  },
  { what: "audit-log-path is the user's without an audit policy", body: ['  controlPlane:', '    apiServer: { extraArgs: { audit-log-path: /tmp/a.log } }'] },
  {
    what: 'flex-volume-plugin-dir is kspray\'s with a Flatcar control plane',
    body: ['  controlPlane:', '    controllerManager: { extraArgs: { flex-volume-plugin-dir: /opt/flex } }', '  nodes:', cpWith('labels: {}', 'flatcar'), W1],
    fails: { rule: 'extra-args', token: 'flex-volume-plugin-dir', message: reserved('kube-controller-manager', 'flex-volume-plugin-dir', 'kspray moves it off read-only /usr on Flatcar/Fedora CoreOS control planes') },
  },
  { what: "flex-volume-plugin-dir is the user's with a Flatcar worker only", body: ['  controlPlane:', '    controllerManager: { extraArgs: { flex-volume-plugin-dir: /opt/flex } }', '  nodes:', CP1, workerWith('w-1', 'labels: {}', 'flatcar')] },
  { what: 'a scheduler flag kspray sets is refused', body: ['  controlPlane:', '    scheduler: { extraArgs: { kubeconfig: /tmp/k } }'], fails: { rule: 'extra-args', token: 'kubeconfig', line: 'scheduler' } },
  { what: 'an etcd flag kspray sets is refused', body: ['  etcd: { extraArgs: { data-dir: /data } }'], fails: { rule: 'extra-args', token: 'data-dir', message: reserved('etcd', 'data-dir', 'kspray keeps etcd data in /var/lib/etcd (backups and reset depend on it)') } },
  { what: 'a kubelet flag kspray sets is refused', body: ['  kubelet: { extraArgs: { node-ip: 10.0.0.1 } }'], fails: { rule: 'extra-args', token: 'node-ip' } },
  { what: "a node's kubelet flag kspray sets is refused at the node", body: ['  nodes:', cpWith('kubelet: { extraArgs: { node-labels: a=b } }')], fails: { rule: 'extra-args', token: 'node-labels' } },
  { what: 'flags kspray leaves alone are accepted', body: ['  controlPlane:', '    scheduler: { extraArgs: { v: "2" } }', '  etcd: { extraArgs: { quota-backend-bytes: "8589934592" } }', '  kubelet: { extraArgs: { v: "2" } }'] },
  {
    what: 'two controller-manager volumes of one name are refused at the second',
    body: ['  controlPlane:', '    controllerManager:', '      extraVolumes:', '        - { name: x, hostPath: /a, mountPath: /a }', '        - { name: x, hostPath: /b, mountPath: /b }'],
    fails: { rule: 'extra-volume-names', token: 'x, hostPath: /b', message: 'extra volume "x" is declared twice or clashes with a volume kspray mounts (spec.controlPlane.controllerManager.extraVolumes[0])' },
  },
  {
    what: 'two scheduler volumes of one name are refused',
    body: ['  controlPlane:', '    scheduler:', '      extraVolumes:', '        - { name: x, hostPath: /a, mountPath: /a }', '        - { name: x, hostPath: /b, mountPath: /b }'],
    fails: { rule: 'extra-volume-names', token: 'x, hostPath: /b' },
  },
  ...['encryption-config', 'audit-policy', 'audit-log', 'admission-config'].map(
    (name): Row => ({
      what: `an apiserver volume named ${name} clashes with kspray's`,
      body: ['  controlPlane:', `    apiServer: { extraVolumes: [{ name: ${name}, hostPath: /a, mountPath: /a }] }`],
      fails: { rule: 'extra-volume-names', token: name, message: `extra volume "${name}" is declared twice or clashes with a volume kspray mounts (kspray)` },
    }),
  ),
  { what: "a controller-manager volume may take a name kspray uses on the apiserver", body: ['  controlPlane:', '    controllerManager: { extraVolumes: [{ name: audit-log, hostPath: /a, mountPath: /a }] }'] },
  {
    what: 'an admission config of another kind is refused',
    body: ['  controlPlane:', '    apiServer:', '      admission: { apiVersion: apiserver.config.k8s.io/v1, kind: Policy }'],
    fails: { rule: 'config-document-kind', token: '{ apiVersion: apiserver', message: 'spec.controlPlane.apiServer.admission must be a apiserver.config.k8s.io/v1 AdmissionConfiguration document' },
  },
  {
    what: 'an audit policy of the right version but another kind is refused',
    body: ['  controlPlane:', '    apiServer:', '      auditPolicy: { apiVersion: audit.k8s.io/v1, kind: AuditPolicy }'],
    fails: { rule: 'config-document-kind', token: '{ apiVersion: audit' },
  },
  { what: 'an AdmissionConfiguration is accepted', body: ['  controlPlane:', '    apiServer:', '      admission: { apiVersion: apiserver.config.k8s.io/v1, kind: AdmissionConfiguration, plugins: [] }'] },
  { what: 'certSANs with one-character labels are accepted', body: ['  controlPlane:', '    apiServer: { certSANs: [a.example.com, api.b.example.com, "*.c.example.com"] }'] },
  { what: 'certSANs: IPv4, IPv6, a wildcard and a 253-character name are accepted', body: ['  controlPlane:', `    apiServer: { certSANs: [203.0.113.10, "2001:db8::10", "*.api.example.com", ${LONGEST_SAN}] }`] },
  { what: 'a 254-character certSAN is refused', body: ['  controlPlane:', `    apiServer: { certSANs: [${LONGEST_SAN}d] }`], fails: { rule: 'cert-san', token: `${LONGEST_SAN}d` } },
  { what: 'a certSAN label ending in "-" is refused', body: ['  controlPlane:', '    apiServer: { certSANs: [api-.example.com] }'], fails: { rule: 'cert-san', token: 'api-.example.com', message: 'certSANs entry "api-.example.com" is neither a DNS name nor an IP address' } },
  { what: 'a certSAN with a wildcard inside is refused', body: ['  controlPlane:', '    apiServer: { certSANs: ["api.*.example.com"] }'], fails: { rule: 'cert-san', token: '"api.*.example.com"' } },
  { what: 'a certSAN with a bad last label is refused', body: ['  controlPlane:', '    apiServer: { certSANs: [api.example.c_m] }'], fails: { rule: 'cert-san', token: 'api.example.c_m' } },
  {
    what: "a node's files listed twice are refused at the second, naming the first",
    body: ['  nodes:', cpWith(`files: [${file('/etc/a')}, ${file('/etc/b')}, { path: /etc/a, content: y }]`)],
    fails: { rule: 'unique-file-paths', token: '/etc/a, content: y', message: 'file /etc/a is listed twice (first at spec.nodes[0].files[0].path)' },
  },
  { what: 'one path in the cluster files and in a node\'s is not a duplicate', body: [`  files: [${file('/etc/a')}]`, '  nodes:', cpWith(`files: [${file('/etc/a')}]`)] },
  { what: 'a kubeconfig kubeadm writes is refused', body: [`  files: [${file('/etc/kubernetes/admin.conf')}]`], fails: { rule: 'file-kubeadm-writes', token: '/etc/kubernetes/admin.conf', message: 'file /etc/kubernetes/admin.conf is written by kubeadm on the node: kubeadm writes this kubeconfig from the cluster PKI' } },
  { what: "the kubelet's config kubeadm writes is refused", body: [`  files: [${file('/var/lib/kubelet/config.yaml')}]`], fails: { rule: 'file-kubeadm-writes', token: '/var/lib/kubelet/config.yaml', message: 'file /var/lib/kubelet/config.yaml is written by kubeadm on the node: kubeadm writes it from spec.kubelet (config, extraArgs)' } },
  { what: "a pool's file kubeadm writes is refused at the pool", body: ['  nodes:', CP1, '  pools:', `    - { name: w, roles: [worker], files: [${file('/var/lib/kubelet/kubeadm-flags.env')}] }`], fails: { rule: 'file-kubeadm-writes', token: '/var/lib/kubelet/kubeadm-flags.env' } },
  { what: 'files next to what kubeadm writes are accepted', body: [`  files: [${file('/etc/kubernetes/admin.conf.d/x')}, ${file('/root/etc/kubernetes/admin.conf')}, ${file('/var/lib/kubelet/config.yaml.bak')}, ${file('/etc/kubernetes/manifests-extra/x')}, ${file('/root/etc/kubernetes/manifests/x')}, ${file('/srv/var/lib/kubelet/config.yaml')}]`] },
  { what: 'a file at /usr itself on Flatcar is refused', body: ['  nodes:', CP1, workerWith('w-1', `files: [${file('/usr')}]`, 'flatcar')], fails: { rule: 'file-read-only-usr', token: '/usr,' } },
  { what: 'a Fedora CoreOS pool with a /usr file is refused', body: ['  nodes:', CP1, '  pools:', `    - { name: w, roles: [worker], os: fedora-coreos, files: [${file('/usr/lib/x')}] }`], fails: { rule: 'file-read-only-usr', token: '/usr/lib/x', message: 'file /usr/lib/x would land on "w", a Flatcar/Fedora CoreOS node whose /usr is read-only' } },
  { what: 'a /usrx file on Flatcar and a /usr file on Ubuntu are accepted', body: ['  nodes:', cpWith(`files: [${file('/usr/local/bin/x')}]`), workerWith('w-1', `files: [${file('/usrx/y')}]`, 'flatcar')] },
  {
    what: 'a cluster /usr file on two Flatcar nodes is reported once',
    body: [`  files: [${file('/usr/local/bin/x')}]`, '  nodes:', cpWith('labels: {}', 'flatcar'), workerWith('w-1', 'labels: {}', 'flatcar')],
    fails: { rule: 'file-read-only-usr', token: '/usr/local/bin/x', message: 'file /usr/local/bin/x would land on "cp-1", a Flatcar/Fedora CoreOS node whose /usr is read-only' },
  },
  { what: "a worker's file under /etc/etcd/pki is refused", body: ['  nodes:', CP1, workerWith('w-1', `files: [${file('/etc/etcd/pki/x')}]`)], fails: { rule: 'no-key-paths-on-workers', token: '/etc/etcd/pki/x', message: 'file /etc/etcd/pki/x would land on worker "w-1" under /etc/etcd/pki, which holds private keys on control planes' } },
  { what: "a worker's file at the key directory itself is refused", body: ['  nodes:', CP1, workerWith('w-1', `files: [${file('/etc/kubernetes/pki')}]`)], fails: { rule: 'no-key-paths-on-workers', token: '/etc/kubernetes/pki' } },
  { what: "an etcd member's and a control plane's key directory files are accepted", body: ['  etcd: { topology: external }', '  nodes:', cpWith(`files: [${file('/etc/kubernetes/pki/x')}]`), `    - { name: e-1, address: 10.0.0.31, roles: [etcd], files: [${file('/etc/etcd/pki/x')}] }`] },
  { what: "a worker's file beside the key directories is accepted", body: ['  nodes:', CP1, workerWith('w-1', `files: [${file('/etc/kubernetes/pkix')}, ${file('/etc/etcd/pki-old/x')}]`)] },
  {
    what: 'a cluster file under the key directory on two workers is reported once',
    body: [`  files: [${file('/etc/kubernetes/pki/x')}]`, '  nodes:', CP1, workerWith('w-1', 'labels: {}'), workerWith('w-22', 'labels: {}')],
    fails: { rule: 'no-key-paths-on-workers', token: '/etc/kubernetes/pki/x', message: 'file /etc/kubernetes/pki/x would land on worker "w-1" under /etc/kubernetes/pki, which holds private keys on control planes' },
  },
  { what: 'a sysctl that is no name is refused', body: ['  sysctls: { "net..ipv4": 1 }'], fails: { rule: 'sysctls', token: '"net..ipv4"', message: '"net..ipv4" is not a sysctl name' } },
  { what: 'a one-word sysctl is refused', body: ['  sysctls: { kernel: 1 }'], fails: { rule: 'sysctls', token: 'kernel' } },
  { what: 'a sysctl with a space is refused', body: ['  sysctls: { "net.core.somaxconn x": 1 }'], fails: { rule: 'sysctls', token: '"net.core.somaxconn x"' } },
  { what: 'a sysctl starting with an upper-case letter is refused', body: ['  sysctls: { Net.core.somaxconn: 1 }'], fails: { rule: 'sysctls', token: 'Net.core.somaxconn' } },
  { what: 'a sysctl kspray sets, in the slash form, is refused', body: ['  sysctls: { net/ipv4/ip_forward: 0 }'], fails: { rule: 'sysctls', token: 'net/ipv4/ip_forward', message: "sysctl net/ipv4/ip_forward is set by kspray to 1 (Kubespray's value, required by the kubelet's protectKernelDefaults or pod networking)" } },
  { what: "a node's sysctl kspray sets is refused at the node", body: ['  nodes:', cpWith('sysctls: { vm.overcommit_memory: 0 }')], fails: { rule: 'sysctls', token: 'vm.overcommit_memory' } },
  { what: 'sysctls kspray leaves alone are accepted, dots, slashes and dashes', body: ['  sysctls: { net.core.somaxconn: 4096, net/ipv4/conf/eth0/rp_filter: 1, net.ipv4.conf.all.accept-redirects: 0 }'] },
  { what: 'a strategic patch that is a list is refused', body: ['  patches:', '    - { target: etcd, patch: [{ op: add }] }'], fails: { rule: 'patch-shape', token: '[{ op: add }]', message: 'a strategic patch must be a mapping' } },
  { what: 'a merge patch that is a list is refused', body: ['  patches:', '    - { target: etcd, type: merge, patch: [] }'], fails: { rule: 'patch-shape', token: '[]', message: 'a merge patch must be a mapping' } },
  { what: 'a json patch list and a strategic mapping are accepted', body: ['  patches:', '    - { target: etcd, type: json, patch: [{ op: add, path: /x, value: 1 }] }', '    - { target: etcd, patch: { spec: {} } }'] },
];

const k8s = (...lines: string[]) => ['  kubernetes:', ...lines];
const node = (address: string) => `    - { name: cp-1, address: "${address}", roles: [control-plane] }`;
const V6_POD = 'fd85:ee78:d8a6:8607::1:0/112';
const V6_SVC = 'fd85:ee78:d8a6:8607::1000/116';

const ADDRESS_ROWS: Row[] = [
  {
    what: 'three service CIDRs are refused',
    body: k8s(`    serviceSubnet: "10.233.0.0/18,${V6_SVC},10.234.0.0/18"`),
    fails: { rule: 'valid-cidr', token: '"10.233.0.0/18,', message: `serviceSubnet "10.233.0.0/18,${V6_SVC},10.234.0.0/18" has more than two CIDRs` },
  },
  { what: 'an IPv6 CIDR with a bad prefix names its family', body: k8s('    podSubnet: fd85::/129'), fails: { rule: 'valid-cidr', token: 'fd85::/129', message: 'podSubnet "fd85::/129" is not an IPv6 CIDR (network/prefix)' } },
  { what: 'two IPv6 pod CIDRs are refused', body: [...k8s(`    podSubnet: "${V6_POD},fd85:ee78:d8a6:8608::/112"`), '  nodes:', node('fd00:10::11')], fails: { rule: 'valid-cidr', token: `"${V6_POD}`, message: `podSubnet "${V6_POD},fd85:ee78:d8a6:8608::/112" has two IPv6 CIDRs: a dual-stack pair is one IPv4 and one IPv6 CIDR` } },
  {
    what: 'a written serviceSubnet of another family is pointed at when podSubnet is the default',
    body: [...k8s(`    serviceSubnet: ${V6_SVC}`), '  nodes:', node('fd00:10::11')],
    fails: { rule: 'subnet-families-match', token: V6_SVC, message: `podSubnet "10.233.64.0/18" is IPv4 but serviceSubnet "${V6_SVC}" is IPv6` },
  },
  {
    what: 'an IPv6 overlap in a dual-stack cluster is refused, naming the family',
    body: [...k8s(`    serviceSubnet: "10.233.0.0/18,fd85:ee78:d8a6:8607::/108"`, `    podSubnet: "10.233.64.0/18,${V6_POD}"`), '  nodes:', node('10.0.0.11,fd00:10::11')],
    fails: { rule: 'cidr-overlap', token: `"10.233.64.0/18,${V6_POD}"`, message: `IPv6 podSubnet ${V6_POD} overlaps serviceSubnet fd85:ee78:d8a6:8607::/108` },
  },
  { what: 'adjacent service and pod subnets are accepted', body: k8s('    serviceSubnet: 10.233.0.0/18', '    podSubnet: 10.233.64.0/18') },
  {
    what: 'nodeCidrMaskSize with an IPv6-only pod subnet is refused',
    body: [...k8s(`    serviceSubnet: ${V6_SVC}`, `    podSubnet: ${V6_POD}`, '    nodeCidrMaskSize: 24'), '  nodes:', node('fd00:10::11')],
    fails: { rule: 'node-cidr-mask-family', token: '24', line: 'nodeCidrMaskSize:', message: `nodeCidrMaskSize sizes IPv4 pod ranges, but podSubnet "${V6_POD}" has no IPv4 CIDR` },
  },
  { what: 'both masks with a dual-stack pod subnet are accepted', body: [...k8s(`    serviceSubnet: "10.233.0.0/18,${V6_SVC}"`, `    podSubnet: "10.233.64.0/18,${V6_POD}"`, '    nodeCidrMaskSize: 24', '    nodeCidrMaskSizeIPv6: 120'), '  nodes:', node('10.0.0.11,fd00:10::11')] },
  { what: 'a node mask one bit below the pod prefix is accepted', body: k8s('    podSubnet: 10.233.64.0/18', '    nodeCidrMaskSize: 19') },
  {
    what: 'an IPv6 node mask equal to the pod prefix is refused',
    body: [...k8s(`    serviceSubnet: ${V6_SVC}`, `    podSubnet: ${V6_POD}`, '    nodeCidrMaskSizeIPv6: 112'), '  nodes:', node('fd00:10::11')],
    fails: { rule: 'node-cidr-fits-pod-subnet', token: '112', line: 'nodeCidrMaskSizeIPv6:', message: 'nodeCidrMaskSizeIPv6 /112 is not smaller than the IPv6 pod subnet /112' },
  },
  { what: 'an IPv6 node mask 16 bits below the pod prefix is accepted', body: [...k8s(`    serviceSubnet: ${V6_SVC}`, '    podSubnet: fd85:ee78:d8a6:8608::/108', '    nodeCidrMaskSizeIPv6: 124'), '  nodes:', node('fd00:10::11')] },
  {
    what: 'the default IPv6 node mask 17 bits below a written pod prefix is refused there',
    body: [...k8s(`    serviceSubnet: ${V6_SVC}`, '    podSubnet: fd85:ee78:d8a6:8600::/103'), '  nodes:', node('fd00:10::11')],
    fails: {
      rule: 'node-cidr-fits-pod-subnet',
      token: 'fd85:ee78:d8a6:8600::/103',
      message: 'nodeCidrMaskSizeIPv6 /120 is more than 16 bits longer than the IPv6 pod subnet /103: kube-controller-manager refuses to start with that ("CIDRSet subnet mask size too big")',
    },
  },
  { what: 'an IPv4 node mask 17 bits below the pod prefix is accepted (the 16-bit limit is IPv6 only)', body: k8s('    podSubnet: 172.0.0.0/11', '    nodeCidrMaskSize: 28') },
  { what: 'node masks with a pod subnet that does not parse are left to valid-cidr', body: k8s('    podSubnet: 10.233.64.0', '    nodeCidrMaskSize: 24', '    nodeCidrMaskSizeIPv6: 120'), fails: { rule: 'valid-cidr', token: '10.233.64.0' } },
  { what: 'three node addresses are refused', body: ['  nodes:', node('10.0.0.11,fd00:10::11,10.0.0.12')], fails: { rule: 'valid-address', token: '"10.0.0.11,', message: 'address "10.0.0.11,fd00:10::11,10.0.0.12" has more than two addresses' } },
  { what: 'a bad IPv6 node address names its family', body: ['  nodes:', node('fd00:10::g1')], fails: { rule: 'valid-address', token: '"fd00:10::g1"', message: '"fd00:10::g1" is not an IPv6 address' } },
  { what: 'two IPv4 node addresses are refused', body: ['  nodes:', node('10.0.0.11,10.0.0.12')], fails: { rule: 'valid-address', token: '"10.0.0.11,10.0.0.12"', message: 'address "10.0.0.11,10.0.0.12" has two IPv4 addresses: a dual-stack node has one IPv4 and one IPv6 address' } },
  {
    what: 'a dual-stack node without its IPv6 address is refused',
    body: [...DUAL, '  nodes:', node('10.0.0.11')],
    fails: { rule: 'address-family-matches-cluster', token: '"10.0.0.11"', message: 'node address "10.0.0.11" has no IPv6 address, but the cluster is dual-stack: kubelet (--node-ip) and the network plugin need the node\'s address of each family' },
  },
  {
    what: 'a dual-stack node listing IPv6 first is refused',
    body: [...DUAL, '  nodes:', node('fd00:10::11,10.0.0.11')],
    fails: { rule: 'address-family-matches-cluster', token: '"fd00:10::11,10.0.0.11"', message: 'node address "fd00:10::11,10.0.0.11" lists its families in another order than serviceSubnet and podSubnet (IPv4,IPv6)' },
  },
  {
    what: 'an IPv4 node in an IPv6-only cluster is refused',
    body: [...V6, '  nodes:', node('10.0.0.11')],
    fails: { rule: 'address-family-matches-cluster', token: '"10.0.0.11"', message: 'node address 10.0.0.11 is an IPv4 address, but the cluster is IPv6-only: serviceSubnet and podSubnet have no IPv4 CIDR' },
  },
  { what: 'an IPv6 node address inside the IPv6 pod subnet is refused', body: [...V6, '  nodes:', node('fd85:ee78:d8a6:8607::1:5')], fails: { rule: 'address-outside-cluster-subnets', token: '"fd85:ee78:d8a6:8607::1:5"', message: `node address fd85:ee78:d8a6:8607::1:5 is inside podSubnet ${V6_POD}` } },
  { what: 'node addresses just outside the subnets are accepted', body: ['  nodes:', node('10.233.128.0'), '    - { name: w-1, address: 10.232.255.255, roles: [worker] }'] },
  {
    what: 'an IPv6 address shared by two dual-stack nodes is refused at the second',
    body: [...DUAL, '  nodes:', node('10.0.0.11,fd00:10::11'), '    - { name: w-1, address: "10.0.0.21,fd00:10::11", roles: [worker] }'],
    fails: { rule: 'unique-addresses', token: '"10.0.0.21,fd00:10::11"', message: 'address fd00:10::11 is used twice (first by cp-1)' },
  },
];

const SHA = 'ab'.repeat(32);
const metallbPool = (...addresses: string[]) => ['  addons:', '    metallb:', `      manifestSha256: ${SHA}`, `      addressPools: [{ name: lb, addresses: [${addresses.join(', ')}] }]`];
const kubeVip = (endpoint: string, port?: number) => ['  controlPlane:', '    loadBalancer: kube-vip', `    endpoint: "${endpoint}"`, ...(port ? [`    port: ${port}`] : [])];
const openEuler = (extra = '') => `    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: openeuler-24.03${extra} }`;
const badEndpoint = (endpoint: string, message?: string): Row => ({
  what: `endpoint ${endpoint} is refused`,
  body: ['  controlPlane:', `    endpoint: "${endpoint}"`],
  fails: { rule: 'valid-endpoint', token: `"${endpoint}"`, message: message ?? `controlPlane.endpoint "${endpoint}" is not host or host:port` },
});

const CLUSTER_ROWS: Row[] = [
  { what: 'a node name of 63 characters is accepted', body: ['  nodes:', CP1.replace('cp-1', `c${'p'.repeat(62)}`)] },
  { what: 'a node name ending in "-" is refused', body: ['  nodes:', CP1.replace('cp-1', 'cp-')], fails: { rule: 'dns1123-name', token: 'cp-,', message: '"cp-" is not a valid DNS-1123 label' } },
  { what: 'a node name with "_" after a valid start is refused', body: ['  nodes:', CP1.replace('cp-1', 'cp_1')], fails: { rule: 'dns1123-name', token: 'cp_1' } },
  { what: 'an etcd pool is refused', body: ['  nodes:', CP1, '  pools:', '    - { name: e, roles: [etcd], count: 3 }'], fails: { rule: 'control-plane-has-fixed-address', token: '[etcd]', message: 'pool "e" has the control-plane or etcd role' } },
  { what: 'a worker pool is accepted', body: ['  nodes:', CP1, '  pools:', '    - { name: w, roles: [worker], count: 3 }'] },
  { what: 'stacked etcd on a control plane listed as etcd too is accepted', body: ['  nodes:', CP1.replace('[control-plane]', '[control-plane, etcd]')] },
  { what: 'external etcd with one member is accepted', body: ['  etcd: { topology: external }', '  nodes:', CP1, '    - { name: e-1, address: 10.0.0.31, roles: [etcd] }'] },
  {
    what: 'external etcd counts etcd-role nodes, not control planes',
    body: ['  etcd: { topology: external }', '  nodes:', CP1, '    - { name: e-1, address: 10.0.0.31, roles: [etcd] }', '    - { name: e-2, address: 10.0.0.32, roles: [etcd] }'],
    fails: { rule: 'odd-etcd-members', token: '- { name: cp-1', message: '2 etcd members: an even count tolerates no more failures than one fewer' },
  },
  {
    what: 'a cgroup v1 pool is refused at the pool, with the default kubernetes version',
    body: ['  nodes:', CP1, '  pools:', '    - { name: w, roles: [worker], os: openeuler-24.03 }'],
    fails: { rule: 'os-cgroup-v1', token: 'openeuler-24.03' },
  },
  { what: "a node's kubelet config without failCgroupV1 keeps the cluster's false", body: ['  kubelet: { config: { failCgroupV1: false } }', '  nodes:', openEuler(', kubelet: { config: { maxPods: 200 } }')] },
  { what: 'kubernetes 1.34 on cgroup v1 is accepted', body: ['  kubernetes: { version: "1.34.3" }', '  nodes:', openEuler()] },
  { what: 'kubernetes 1.35.0 on cgroup v1 is refused', body: ['  kubernetes: { version: "1.35.0" }', '  nodes:', openEuler()], fails: { rule: 'os-cgroup-v1', token: 'openeuler-24.03', message: 'os "openeuler-24.03" boots with cgroup v1, and the kubelet of Kubernetes 1.35.0 refuses to start on cgroup v1 unless failCgroupV1 is false' } },
  { what: 'Ignition config URLs: s3, gs, http and https with or without a path are accepted', body: ['  ignition: { configUrlBase: "s3://bucket/ign" }'] },
  { what: 'a gs:// Ignition config URL is accepted', body: ['  ignition: { configUrlBase: "gs://bucket" }'] },
  { what: 'an http:// Ignition config URL without Ignition nodes is accepted', body: ['  ignition: { configUrlBase: "http://boot.example/ign/" }'] },
  { what: 'an Ignition config URL with a query is refused', body: ['  ignition: { configUrlBase: "https://boot.example/ign?x=1" }'], fails: { rule: 'ignition-config-url', token: '"https://boot.example/ign?x=1"' } },
  { what: 'an Ignition config URL with text before it is refused', body: ['  ignition: { configUrlBase: "see https://boot.example/ign" }'], fails: { rule: 'ignition-config-url', token: '"see https' } },
  { what: 'an Ignition config URL without a host is refused', body: ['  ignition: { configUrlBase: "https:///ign" }'], fails: { rule: 'ignition-config-url', token: '"https:///ign"' } },
  { what: 'kube-vip on a custom bind port is accepted with the VIP on that port', body: kubeVip('10.0.0.10:8443', 8443) },
  { what: 'kube-vip with the VIP and no port is accepted', body: kubeVip('10.0.0.10', 8443) },
  {
    what: 'kube-vip with the VIP on the default port while the bind port is another is refused',
    body: kubeVip('10.0.0.10:6443', 8443),
    fails: { rule: 'kube-vip-needs-vip', token: '"10.0.0.10:6443"' },
  },
  {
    what: "kube-vip's VIP of a family the control planes lack is refused",
    body: kubeVip('[fd00:10::10]'),
    fails: { rule: 'kube-vip-needs-vip', token: '"[fd00:10::10]"', message: "kube-vip's virtual IP fd00:10::10 is an IPv6 address, but the control planes have only IPv4 addresses" },
  },
  { what: "kube-vip's IPv6 VIP in a dual-stack cluster is accepted", body: [...DUAL, ...kubeVip('[fd00:10::10]:6443'), '  nodes:', CP_DUAL] },
  { what: 'kube-vip with an endpoint that is no endpoint is left to valid-endpoint', body: kubeVip('https://10.0.0.10'), fails: { rule: 'valid-endpoint', token: '"https://10.0.0.10"' } },
  { what: 'a MetalLB range starting at a node address is refused', body: metallbPool('10.0.0.11-10.0.0.20'), fails: { rule: 'metallb-pools-exclude-node-addresses', token: '10.0.0.11-10.0.0.20', message: 'MetalLB addresses 10.0.0.11-10.0.0.20 include the address of node "cp-1"' } },
  { what: 'a MetalLB range ending at a node address is refused', body: metallbPool('10.0.0.1-10.0.0.11'), fails: { rule: 'metallb-pools-exclude-node-addresses', token: '10.0.0.1-10.0.0.11' } },
  { what: 'a MetalLB range of one address beside the node is accepted, spaces around "-" too', body: metallbPool('10.0.0.12-10.0.0.12', '"10.0.0.13 - 10.0.0.20"', '10.0.0.0/29') },
  { what: "a MetalLB range holding kube-vip's VIP is refused", body: [...metallbPool('10.0.0.96/29'), ...kubeVip('10.0.0.100')], fails: { rule: 'metallb-pools-exclude-node-addresses', token: '10.0.0.96/29', message: 'MetalLB addresses 10.0.0.96/29 include the controlPlane.endpoint address' } },
  { what: 'a MetalLB range next to a DNS-name endpoint is accepted', body: [...metallbPool('10.0.0.12/30'), '  controlPlane: { endpoint: "api.example.com:6443" }'] },
  { what: 'a MetalLB range with three parts is refused', body: metallbPool('10.0.0.200-10.0.0.201-10.0.0.202'), fails: { rule: 'metallb-address-pools', token: '10.0.0.200-10.0.0.201-10.0.0.202' } },
  { what: 'a MetalLB range just past the pod subnet is accepted', body: metallbPool('10.233.128.0-10.233.128.10') },
  { what: 'a MetalLB range reaching into the pod subnet by its first address is refused', body: metallbPool('10.233.127.255-10.233.128.10'), fails: { rule: 'metallb-pools-outside-cluster-subnets', token: '10.233.127.255-10.233.128.10', message: 'MetalLB addresses 10.233.127.255-10.233.128.10 overlap podSubnet 10.233.64.0/18' } },
  { what: 'a MetalLB range reaching into the service subnet by its last address is refused', body: metallbPool('10.232.255.0-10.233.0.0'), fails: { rule: 'metallb-pools-outside-cluster-subnets', token: '10.232.255.0-10.233.0.0', message: 'MetalLB addresses 10.232.255.0-10.233.0.0 overlap serviceSubnet 10.233.0.0/18' } },
  badEndpoint('api.example.com:0'),
  badEndpoint('api..example.com'),
  badEndpoint('[10.0.0.10]:6443'),
  badEndpoint('fd00::10', 'controlPlane.endpoint "fd00::10" is an IPv6 address without brackets: its last group cannot be told apart from a port'),
  badEndpoint('10.0.0.256'),
  { what: 'an endpoint on port 65535 is accepted', body: ['  controlPlane:', '    endpoint: "api.example.com:65535"'] },
  { what: 'an endpoint on port 1 is accepted', body: ['  controlPlane:', '    endpoint: "api.example.com:1"'] },
  { what: 'an endpoint host of DNS labels that end in digits is accepted', body: ['  controlPlane:', '    endpoint: "a1.2.3.4:6443"'] },
  { what: 'an endpoint host of digits then a letter is a DNS name, accepted', body: ['  controlPlane:', '    endpoint: "1.2.3.4a"'] },
  badEndpoint('[fd00::10]:6443x'),
  badEndpoint('[1.2.3]'),
  badEndpoint('fd00::1g'),
  badEndpoint('fd00:99999'),
  {
    what: 'kubelet settings without config leave cgroup v1 refused',
    body: ['  kubernetes: { version: "1.35.4" }', '  kubelet: { extraArgs: { v: "2" } }', '  nodes:', openEuler()],
    fails: { rule: 'os-cgroup-v1', token: 'openeuler-24.03' },
  },
  { what: 'kube-vip with subnets that do not parse is left to valid-cidr', body: ['  kubernetes: { podSubnet: 10.233.64.0 }', ...kubeVip('10.0.0.10')], fails: { rule: 'valid-cidr', token: '10.233.64.0' } },
  { what: 'MetalLB with subnets that do not parse is left to valid-cidr', body: ['  kubernetes: { podSubnet: 10.233.64.0 }', ...metallbPool('10.0.0.200/30')], fails: { rule: 'valid-cidr', token: '10.233.64.0', line: 'podSubnet' } },
  {
    what: 'MetalLB without a checksum points at the addon',
    body: ['  addons:', '    metallb: { addressPools: [{ name: lb, addresses: [10.0.0.200/30] }] }'],
    fails: { rule: 'addon-manifest-checksum', token: '{ addressPools', message: /^addons\.metallb needs manifestSha256: Kubespray's data has no checksum for metallb / },
  },
  { what: 'a checksum of 65 hex digits is refused', body: ['  addons:', `    certManager: { manifestSha256: ${SHA}a }`], fails: { rule: 'addon-manifest-checksum', token: `${SHA}a` } },
  { what: 'a checksum with a letter before 64 hex digits is refused', body: ['  addons:', `    certManager: { manifestSha256: x${SHA} }`], fails: { rule: 'addon-manifest-checksum', token: `x${SHA}` } },
  { what: 'a MetalLB pool name of 63 characters is accepted', body: ['  addons:', '    metallb:', `      manifestSha256: ${SHA}`, `      addressPools: [{ name: ${'l'.repeat(63)}, addresses: [10.0.0.200/30] }]`] },
  {
    what: 'a MetalLB pool name of 64 characters is refused',
    body: ['  addons:', '    metallb:', `      manifestSha256: ${SHA}`, `      addressPools: [{ name: ${'l'.repeat(64)}, addresses: [10.0.0.200/30] }]`],
    fails: { rule: 'dns1123-name', token: 'l'.repeat(64), message: `"${'l'.repeat(64)}" is not a valid DNS-1123 label` },
  },
  {
    what: 'a MetalLB pool name used twice is refused at the second',
    body: ['  addons:', '    metallb:', `      manifestSha256: ${SHA}`, '      addressPools:', '        - { name: lb, addresses: [10.0.0.200/30] }', '        - { name: lb, addresses: [10.0.0.204/30] }'],
    fails: { rule: 'metallb-address-pools', token: 'lb', line: '10.0.0.204', message: 'MetalLB address pool name "lb" is used twice' },
  },
  {
    what: 'a MetalLB pool without addresses is refused at its addresses',
    body: ['  addons:', '    metallb:', `      manifestSha256: ${SHA}`, '      addressPools: [{ name: lb, addresses: [] }]'],
    fails: { rule: 'metallb-address-pools', token: '[] }', message: 'MetalLB address pool "lb" has no addresses' },
  },
  { what: "an IPv6 MetalLB range holding an IPv4 node's number is accepted", body: [...DUAL, '  addons:', '    metallb:', `      manifestSha256: ${SHA}`, '      addressPools: [{ name: lb, addresses: ["::a00:0/120"] }]', '  nodes:', CP_DUAL] },
  { what: 'an IPv6 MetalLB range holding the IPv4 service subnet\'s numbers is accepted', body: [...DUAL, '  addons:', '    metallb:', `      manifestSha256: ${SHA}`, '      addressPools: [{ name: lb, addresses: ["::ae9:0/112"] }]', '  nodes:', CP_DUAL] },
  { what: 'a bracketed IPv6 endpoint is accepted in a dual-stack cluster', body: [...DUAL, '  controlPlane:', '    endpoint: "[fd00:10::10]:6443"', '  nodes:', CP_DUAL] },
];

describe('cluster rules at their edges', () => {
  test.each(CLUSTER_ROWS)('$what', checkRow);

  test('a name used three times is reported twice, each naming the first', () => {
    const text = specOf(['  nodes:', CP1, '    - { name: cp-1, address: 10.0.0.12, roles: [worker] }', '    - { name: cp-1, address: 10.0.0.13, roles: [worker] }']);
    const err = inputErrorOf(() => compileSpec(text, FILE));
    expect(err.problems.map((p) => [p.rule, p.message])).toEqual([
      ['unique-node-names', 'node or pool name "cp-1" is used twice (first at spec.nodes[0])'],
      ['unique-node-names', 'node or pool name "cp-1" is used twice (first at spec.nodes[0])'],
    ]);
  });
});

describe('address rules at their edges', () => {
  test.each(ADDRESS_ROWS)('$what', checkRow);

  test('two nodes with addresses that do not parse are refused each, and not as one address used twice', () => {
    const text = specOf(['  nodes:', node('10.0.0.256'), '    - { name: w-1, address: "10.0.0.257", roles: [worker] }']);
    expect(inputErrorOf(() => compileSpec(text, FILE)).problems.map((p) => [p.rule, p.message])).toEqual([
      ['valid-address', '"10.0.0.256" is not an IPv4 address'],
      ['valid-address', '"10.0.0.257" is not an IPv4 address'],
    ]);
  });
});

// The other rule files: their rows are the whole test.
const ROW_TABLES: Record<string, Row[]> = {
  customization: CUSTOMIZATION_ROWS,
  secrets: SECRETS_ROWS,
  runtime: RUNTIME_ROWS,
  name: NAME_ROWS,
  addon: ADDON_ROWS,
  network: NETWORK_ROWS,
};
for (const [area, rows] of Object.entries(ROW_TABLES)) {
  describe(`${area} rules at their edges`, () => {
    test.each(rows)('$what', checkRow);
  });
}
