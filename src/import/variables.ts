// `kspray import kubespray`: one row per Kubespray variable kspray knows. Each row says where the
// variable lands in cluster.yaml and what kspray does with a value: write it (mapped), do the same
// thing without writing anything (same), keep its own behaviour with a stated reason (own), refuse
// it (the import stops with exit 2: kspray would build another cluster), or ignore it (it only
// steers Ansible). Kubespray's default (data/kubespray-defaults/) is fed through the same row when
// the inventory is silent, so the imported cluster is the one Kubespray would have built.
//
// A row only counts when its choice is in use (`relevant`): calico_* under Cilium, containerd_* under
// cri-o say nothing about the cluster. Variables without a row: relevance by prefix (below), then
// equal to Kubespray's default (nothing to do) or refused. The same table writes
// docs/kubespray-variables.md (variablesMarkdown), so the page and the code cannot disagree.
import { kubernetesVersions } from '../catalog/catalog.js';
import { PKI_ALGORITHMS, PROXY_MODES, bootsCgroupV1 } from '../api/v1alpha1/types.js';
import { DEFAULTS } from '../model/defaults.js';
import { NGINX_HEALTH_PORT } from '../model/defaults.js';
import { reservedArgReason, type Component } from '../model/reservedArgs.js';

export interface Choices {
  /** kube_network_plugin as Kubespray spells it (calico, cilium, custom_cni, kube-ovn...). */
  plugin: string;
  /** container_manager as Kubespray spells it (containerd, crio, docker). */
  runtime: string;
  /** How the API is reached: an external balancer, kube-vip, or the localhost proxy. */
  apiLoadBalancer: 'external' | 'kube-vip' | 'localhost';
  multus: boolean;
}

export interface Ctx {
  /** The inventory's value, else Kubespray's default (with its template evaluated where a row knows how). */
  value(name: string): unknown;
  given(name: string): boolean;
  /** Kubespray's default for this inventory (templates evaluated where a row knows how). */
  kubesprayDefault(name: string): unknown;
  choices: Choices;
  hosts: { controlPlanes: string[]; etcd: string[]; workers: string[]; cluster: string[] };
  /** The os: every node gets (--os), when given. */
  os?: string;
}

/** Spec paths are dotted, relative to `spec` (network.calico.blockSize). */
export type Verdict =
  | { set: Array<[string, unknown]>; note?: string }
  | { same: string }
  | { own: string }
  | { refuse: string; instead: string }
  | { ignore: string };

export interface Relevance {
  /** For the docs: the choice the variable belongs to. */
  doc: string;
  when: (c: Ctx) => boolean;
}

export interface Row {
  name: string;
  /** cluster.yaml field(s) the value lands in, for the docs; '' when nothing is written. */
  lands: string;
  /** What kspray does with it, for the docs. */
  doc: string;
  relevant?: Relevance;
  /** Kubespray's default when the data holds a template this row can evaluate. */
  resolveDefault?: (c: Ctx) => unknown;
  apply: (value: unknown, c: Ctx) => Verdict;
}

// ---- small helpers for rows

const set = (path: string, value: unknown, note?: string): Verdict => ({ set: [[path, value]], ...(note ? { note } : {}) });
/** Writes the value unless it is kspray's own default anyway (keeps imported files short). */
const setUnless = (path: string, value: unknown, ksprayDefault: unknown): Verdict =>
  JSON.stringify(value) === JSON.stringify(ksprayDefault) ? { same: `${path}: ${JSON.stringify(value)} (kspray's default too)` } : set(path, value);
const refuse = (why: string, instead: string): Verdict => ({ refuse: why, instead });
const ignore = (why: string): Verdict => ({ ignore: why });
const str = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const bool = (v: unknown): boolean | undefined =>
  v === true || v === 'true' || v === 'True' || v === 'yes' ? true : v === false || v === 'false' || v === 'False' || v === 'no' ? false : undefined;
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

export const plugin = (...names: string[]): Relevance => ({
  doc: `kube_network_plugin: ${names.join(' or ')}`,
  when: (c) => names.includes(c.choices.plugin),
});
export const runtime = (...names: string[]): Relevance => ({
  doc: `container_manager: ${names.join(' or ')}`,
  when: (c) => names.includes(c.choices.runtime),
});
const enabledBy = (flag: string): Relevance => ({ doc: `${flag}: true`, when: (c) => bool(c.value(flag)) === true });
const localhostProxy: Relevance = { doc: 'the localhost API proxy (no loadbalancer_apiserver, no kube-vip)', when: (c) => c.choices.apiLoadBalancer === 'localhost' };

/** The cluster's address families (Kubespray ipv4_stack / ipv6_stack). */
export const families = (c: Ctx) => ({ ipv4: bool(c.value('ipv4_stack')) !== false, ipv6: bool(c.value('ipv6_stack')) === true });
const ipv4: Relevance = { doc: 'ipv4_stack: true', when: (c) => families(c).ipv4 };
const ipv6: Relevance = { doc: 'ipv6_stack: true', when: (c) => families(c).ipv6 };
/** Dual-stack: "IPv4,IPv6" as kubeadm takes it. */
const stacked = (c: Ctx, v4: string, v6Name: string) => (families(c).ipv6 ? `${v4},${String(c.value(v6Name))}` : v4);

/** kubelet/apiserver feature-gate list "Name=true" → { Name: true }; undefined when malformed. */
export function featureGateList(v: unknown): Record<string, boolean> | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Record<string, boolean> = {};
  for (const item of v) {
    const m = typeof item === 'string' ? /^\s*([A-Za-z0-9]+)\s*=\s*(true|false)\s*$/i.exec(item) : null;
    if (!m) return undefined;
    out[m[1]!] = m[2]!.toLowerCase() === 'true';
  }
  return out;
}

const isRegistryItself = (prefix: string, url: string) => {
  const host = url.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return host === prefix || (prefix === 'docker.io' && host === 'registry-1.docker.io');
};

/**
 * Kubespray's kube_kubeadm_*_extra_args / kubelet_custom_flags → the component's extraArgs, one key
 * per flag (other rows add flags too: OIDC, admission plugins). A flag kspray sets is refused.
 */
function extraArgs(component: Component, base: string, args: Record<string, unknown>): Verdict {
  const out: Array<[string, unknown]> = [];
  for (const [flag, value] of Object.entries(args)) {
    const reason = reservedArgReason(component, flag);
    if (reason) return refuse(`--${flag} on ${component}: ${reason}`, `remove ${flag} from the list`);
    if (value === null || typeof value === 'object') return refuse(`--${flag} has no single value`, `${flag}: "value"`);
    out.push([`${base}.${flag}`, String(value)]);
  }
  return out.length ? { set: out } : { same: 'no extra flags' };
}

/** "--flag=value" / "--flag value" / "--flag" strings → { flag: value }; undefined when one is not a flag. */
function flagList(v: unknown): Record<string, string> | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const item of v) {
    const m = typeof item === 'string' ? /^--?([A-Za-z0-9-]+)(?:[= ](.*))?$/.exec(item.trim()) : null;
    if (!m) return undefined;
    out[m[1]!] = m[2] ?? 'true';
  }
  return out;
}

/** Kubespray's kube_reserved / system_reserved amounts (kubelet-config template) → KubeletConfiguration. */
function reservation(c: Ctx, prefix: 'kube' | 'system'): Record<string, string> {
  const amount = (name: string) => String(c.value(`${prefix}_${name}_reserved`));
  return { cpu: amount('cpu'), memory: amount('memory'), 'ephemeral-storage': amount('ephemeral_storage'), pid: amount('pid') };
}

/** Kubespray's containerd_registries_mirrors → spec registryMirrors, or a reason it cannot be carried. */
function containerdMirrors(v: unknown): { mirrors: unknown[] } | { why: string } {
  if (!Array.isArray(v)) return { why: 'not a list of {prefix, mirrors}' };
  const mirrors: unknown[] = [];
  for (const entry of v as Array<Record<string, any>>) {
    if (!entry || typeof entry.prefix !== 'string' || !Array.isArray(entry.mirrors) || entry.mirrors.length === 0) return { why: 'each entry needs a prefix and mirrors' };
    const skip = new Set(entry.mirrors.map((m: Record<string, unknown>) => m.skip_verify === true));
    if (skip.size > 1) return { why: `the mirrors of ${entry.prefix} disagree on skip_verify; kspray has one skipVerify per registry` };
    for (const m of entry.mirrors as Array<Record<string, unknown>>) {
      if (typeof m.host !== 'string' || !/^https?:\/\//.test(m.host)) return { why: `mirror host ${str(m.host)} is not an http(s) URL` };
      const caps = (m.capabilities as string[] | undefined) ?? ['pull', 'resolve'];
      if (!caps.includes('pull') || !caps.includes('resolve')) return { why: `mirror ${m.host} has capabilities ${caps.join(',')}; kspray's mirrors pull and resolve` };
    }
    // The registry itself over https listed as a mirror (Kubespray's default: docker.io →
    // registry-1.docker.io) is where containerd goes anyway; over http or unverified it is a setting.
    const endpoints = (entry.mirrors as Array<{ host: string }>)
      .map((m) => m.host)
      .filter((h) => !(isRegistryItself(entry.prefix, h) && h.startsWith('https://') && !skip.has(true)));
    if (endpoints.length === 0) continue;
    mirrors.push({ host: entry.prefix, endpoints, ...(skip.has(true) ? { skipVerify: true } : {}) });
  }
  return { mirrors };
}

/** Kubespray's crio_registries → spec registryMirrors (mirror locations are host[:port][/path], https). */
function crioMirrors(v: unknown): { mirrors: unknown[] } | { why: string } {
  if (!Array.isArray(v)) return { why: 'not a list of {prefix, location, mirrors}' };
  const mirrors: unknown[] = [];
  for (const r of v as Array<Record<string, any>>) {
    const prefix = r?.prefix ?? r?.location;
    if (typeof prefix !== 'string') return { why: 'each entry needs a prefix or location' };
    if (r.blocked === true) return { why: `${prefix} is blocked; kspray does not block registries` };
    if (r.unqualified === true) return { why: `${prefix} is an unqualified-search registry; kspray sets no search registries` };
    if (r.location && r.location !== prefix && !(prefix === 'docker.io' && r.location === 'registry-1.docker.io')) {
      return { why: `${prefix} is relocated to ${r.location}; kspray only adds mirrors in front of the registry` };
    }
    const list = (r.mirrors ?? []) as Array<Record<string, unknown>>;
    if (list.length === 0) continue;
    const insecure = new Set(list.map((m) => m.insecure === true));
    if (insecure.size > 1) return { why: `the mirrors of ${prefix} disagree on insecure` };
    mirrors.push({
      host: prefix,
      endpoints: list.map((m) => `https://${String(m.location)}`),
      ...(insecure.has(true) ? { skipVerify: true } : {}),
    });
  }
  return { mirrors };
}

// ---- the table

export const ROWS: Row[] = [
  // --- Kubernetes
  {
    name: 'kube_version',
    lands: 'kubernetes.version',
    doc: "A version of kspray's catalog (the same checksums Kubespray ships); another is refused. Kubespray's default is the newest in its checksums, as kspray's.",
    resolveDefault: () => undefined,
    apply: (v) => {
      const version = String(v).replace(/^v/, '');
      return kubernetesVersions().includes(version)
        ? set('kubernetes.version', version)
        : refuse(`kspray's catalog has no checksums for Kubernetes ${version}`, `one of ${kubernetesVersions().slice(0, 4).join(', ')}… (kspray versions)`);
    },
  },
  {
    name: 'kube_service_addresses',
    lands: 'kubernetes.serviceSubnet',
    doc: 'Written as is; dual-stack: followed by kube_service_addresses_ipv6 (kubeadm form "IPv4,IPv6").',
    relevant: ipv4,
    apply: (v, c) => setUnless('kubernetes.serviceSubnet', stacked(c, String(v), 'kube_service_addresses_ipv6'), DEFAULTS.kubernetes.serviceSubnet),
  },
  {
    name: 'kube_pods_subnet',
    lands: 'kubernetes.podSubnet',
    doc: 'Written as is; dual-stack: followed by kube_pods_subnet_ipv6.',
    relevant: ipv4,
    apply: (v, c) => setUnless('kubernetes.podSubnet', stacked(c, String(v), 'kube_pods_subnet_ipv6'), DEFAULTS.kubernetes.podSubnet),
  },
  {
    name: 'kube_service_addresses_ipv6',
    lands: 'kubernetes.serviceSubnet',
    doc: 'IPv6-only: the service subnet; dual-stack: its second CIDR.',
    relevant: ipv6,
    apply: (v, c) => (families(c).ipv4 ? { same: 'read with kube_service_addresses' } : set('kubernetes.serviceSubnet', String(v))),
  },
  {
    name: 'kube_pods_subnet_ipv6',
    lands: 'kubernetes.podSubnet',
    doc: 'IPv6-only: the pod subnet; dual-stack: its second CIDR.',
    relevant: ipv6,
    apply: (v, c) => (families(c).ipv4 ? { same: 'read with kube_pods_subnet' } : set('kubernetes.podSubnet', String(v))),
  },
  {
    name: 'kube_network_node_prefix_ipv6',
    lands: 'kubernetes.nodeCidrMaskSizeIPv6',
    doc: 'Written when it differs from 120 (Kubespray\'s default and kspray\'s).',
    relevant: ipv6,
    apply: (v) => (int(v) === undefined ? refuse('not a number', 'a prefix length such as 120') : setUnless('kubernetes.nodeCidrMaskSizeIPv6', int(v), DEFAULTS.kubernetes.nodeCidrMaskSizeIPv6)),
  },
  {
    name: 'calico_pool_blocksize_ipv6',
    lands: '',
    doc: "kspray's IPv6 Calico block is kube_network_node_prefix_ipv6 (kept as kspray's own, with the reason, when they differ).",
    relevant: { doc: 'kube_network_plugin: calico and ipv6_stack: true', when: (c) => c.choices.plugin === 'calico' && families(c).ipv6 },
    apply: (v, c) =>
      int(v) === int(c.value('kube_network_node_prefix_ipv6'))
        ? { same: 'IPv6 block size' }
        : { own: `Calico's IPv6 blocks are /${str(c.value('kube_network_node_prefix_ipv6'))} (the node prefix), not /${str(v)}: Calico hands a node further blocks as it needs them, so only the allocation granularity differs` },
  },
  {
    name: 'kube_network_node_prefix',
    lands: 'kubernetes.nodeCidrMaskSize',
    doc: "The controller manager's per-node pod CIDR size (Calico allocates its own blocks: calico_pool_blocksize).",
    apply: (v) => (int(v) !== undefined ? setUnless('kubernetes.nodeCidrMaskSize', int(v), DEFAULTS.kubernetes.nodeCidrMaskSize) : refuse('not a number', 'a prefix length such as 24')),
  },
  { name: 'cluster_name', lands: '', doc: "Only through dns_domain (Kubespray: dns_domain = cluster_name); metadata.name comes from --name.", apply: () => ignore('read through dns_domain') },
  {
    name: 'dns_domain',
    lands: 'kubernetes.clusterDomain',
    doc: 'Written as is; its default is cluster_name, as Kubespray.',
    resolveDefault: (c) => c.value('cluster_name'),
    apply: (v) => setUnless('kubernetes.clusterDomain', String(v), DEFAULTS.kubernetes.clusterDomain),
  },
  {
    name: 'kube_proxy_mode',
    lands: 'kubernetes.proxyMode',
    doc: `${PROXY_MODES.join(', ')}; another mode is refused.`,
    apply: (v) => ((PROXY_MODES as readonly string[]).includes(String(v)) ? setUnless('kubernetes.proxyMode', String(v), DEFAULTS.kubernetes.proxyMode) : refuse(`kube-proxy mode ${str(v)} is not one kspray configures`, PROXY_MODES.join(', '))),
  },
  {
    name: 'kube_feature_gates',
    lands: 'kubernetes.featureGates',
    doc: 'The list of Name=true|false → a map, given to every component as Kubespray does.',
    apply: (v) => {
      const gates = featureGateList(v);
      if (!gates) return refuse('not a list of "Name=true|false"', 'kube_feature_gates: ["Name=true"]');
      return Object.keys(gates).length ? set('kubernetes.featureGates', gates) : { same: 'no feature gates' };
    },
  },
  { name: 'kube_apiserver_port', lands: 'controlPlane.port', doc: 'Written as is.', apply: (v) => setUnless('controlPlane.port', int(v) ?? v, DEFAULTS.controlPlane.port) },
  {
    name: 'kube_asymmetric_encryption_algorithm',
    lands: 'pki.algorithm',
    doc: `Every key of the PKI (kubeadm encryptionAlgorithm): ${PKI_ALGORITHMS.join(', ')}. Kubespray's default RSA-2048 is written when absent (kspray's own default is ECDSA-P256).`,
    apply: (v) =>
      (PKI_ALGORITHMS as readonly string[]).includes(String(v)) ? setUnless('pki.algorithm', String(v), DEFAULTS.pki.algorithm) : refuse(`${str(v)} is not a kubeadm key algorithm`, PKI_ALGORITHMS.join(', ')),
  },
  {
    name: 'kube_encrypt_secret_data',
    lands: '',
    doc: 'kspray always encrypts Secrets at rest (secretbox): false is kept as kspray\'s own default, with the reason in the report.',
    apply: (v) => (bool(v) ? { same: 'Secrets encrypted at rest (secretbox)' } : { own: 'kspray always encrypts Secrets at rest (secretbox, key in the secrets bundle); nothing a workload sees changes' }),
  },
  {
    name: 'kube_encryption_algorithm',
    lands: '',
    doc: 'secretbox, as kspray; another provider is refused.',
    relevant: enabledBy('kube_encrypt_secret_data'),
    apply: (v) => (v === 'secretbox' ? { same: 'secretbox' } : refuse(`kspray encrypts with secretbox, not ${str(v)}`, 'kube_encryption_algorithm: secretbox')),
  },
  {
    name: 'kube_encryption_resources',
    lands: '',
    doc: '[secrets], as kspray; more resources are refused.',
    relevant: enabledBy('kube_encrypt_secret_data'),
    apply: (v) => (JSON.stringify(v) === '["secrets"]' ? { same: 'Secrets only' } : refuse(`kspray encrypts Secrets only, not ${str(v)}`, 'kube_encryption_resources: [secrets]')),
  },
  {
    name: 'auto_renew_certificates',
    lands: 'pki.autoRenew',
    doc: 'true: a systemd timer on every control plane runs kubeadm certs renew and restarts the control-plane pods, as Kubespray.',
    apply: (v, c) => (bool(v) ? set('pki.autoRenew', c.given('auto_renew_certificates_systemd_calendar') ? { onCalendar: String(c.value('auto_renew_certificates_systemd_calendar')) } : {}) : { same: 'no automatic renewal' }),
  },
  {
    name: 'auto_renew_certificates_systemd_calendar',
    lands: 'pki.autoRenew.onCalendar',
    doc: 'The timer\'s OnCalendar (Kubespray\'s default is kspray\'s too).',
    relevant: enabledBy('auto_renew_certificates'),
    apply: (v) => (/^[A-Za-z0-9 ,*:./~-]+$/.test(String(v)) ? { same: 'read with auto_renew_certificates' } : refuse('not a systemd OnCalendar expression kspray writes', 'e.g. "Mon *-*-1,2,3,4,5,6,7 03:00:00"')),
  },
  // --- address families: IPv4, IPv6-only or dual-stack (nodes get ip, ip6 or both)
  {
    name: 'ipv4_stack',
    lands: 'kubernetes.serviceSubnet, kubernetes.podSubnet, nodes[].address',
    doc: 'true: IPv4 (with ipv6_stack: dual-stack, IPv4 first as Kubespray); false with ipv6_stack: IPv6-only. Both false is refused.',
    apply: (v, c) => (bool(v) === false && !families(c).ipv6 ? refuse('no address family left (ipv4_stack and ipv6_stack are both false)', 'ipv4_stack: true, ipv6_stack: true, or both') : { same: 'address families' }),
  },
  {
    name: 'ipv6_stack',
    lands: 'kubernetes.serviceSubnet, kubernetes.podSubnet, nodes[].address',
    doc: 'true: IPv6 subnets (kube_*_ipv6) and each host\'s ip6 as its IPv6 address (a host without ip6 is refused).',
    resolveDefault: (c) => bool(c.value('enable_dual_stack_networks')) ?? false,
    apply: (v) => ({ same: bool(v) ? 'IPv6' : 'no IPv6' }),
  },
  { name: 'enable_dual_stack_networks', lands: '', doc: "Kubespray's older switch: the default of ipv6_stack.", apply: () => ({ same: 'read through ipv6_stack' }) },
  // --- API load balancing
  {
    name: 'loadbalancer_apiserver',
    lands: 'controlPlane.loadBalancer: external, controlPlane.endpoint',
    doc: 'An external load balancer {address, port}: the endpoint is apiserver_loadbalancer_domain_name (or the address) and the port.',
    apply: (v, c) => {
      const lb = v as Record<string, unknown>;
      if (!lb || typeof lb !== 'object' || !lb.address) return refuse('needs an address', 'loadbalancer_apiserver: { address: 10.0.0.10, port: 6443 }');
      const domain = c.given('apiserver_loadbalancer_domain_name') ? String(c.value('apiserver_loadbalancer_domain_name')) : String(lb.address);
      return { set: [['controlPlane.loadBalancer', 'external'], ['controlPlane.endpoint', `${domain}:${lb.port ?? c.value('kube_apiserver_port') ?? 6443}`]] };
    },
  },
  {
    name: 'apiserver_loadbalancer_domain_name',
    lands: 'controlPlane.endpoint (host)',
    doc: 'The host of the external load balancer endpoint (it must resolve on every node: kspray writes no /etc/hosts entry).',
    relevant: { doc: 'loadbalancer_apiserver', when: (c) => c.choices.apiLoadBalancer === 'external' },
    resolveDefault: () => undefined,
    apply: () => ({ same: 'part of controlPlane.endpoint' }),
  },
  {
    name: 'loadbalancer_apiserver_localhost',
    lands: 'controlPlane.loadBalancer: localhost',
    doc: 'true: a proxy on 127.0.0.1 of every non-control-plane node, as kspray. false (nodes talk to the first control plane) is refused.',
    relevant: localhostProxy,
    resolveDefault: (c) => !c.given('loadbalancer_apiserver'),
    apply: (v) =>
      bool(v) === false
        ? refuse('without a load balancer, Kubespray points every node at the first control plane; kspray has no such mode', 'loadbalancer_apiserver_localhost: true (the default), loadbalancer_apiserver or kube_vip_enabled')
        : { same: 'controlPlane.loadBalancer: localhost' },
  },
  {
    name: 'loadbalancer_apiserver_type',
    lands: 'controlPlane.localhostProxy',
    doc: 'nginx or haproxy, as Kubespray.',
    relevant: localhostProxy,
    apply: (v) => (v === 'nginx' || v === 'haproxy' ? setUnless('controlPlane.localhostProxy', v, DEFAULTS.controlPlane.localhostProxy) : refuse(`no localhost proxy ${str(v)}`, 'nginx or haproxy')),
  },
  {
    name: 'loadbalancer_apiserver_port',
    lands: '',
    doc: "The localhost proxy listens on the apiserver port (kube_apiserver_port); another port is refused.",
    relevant: localhostProxy,
    resolveDefault: (c) => c.value('kube_apiserver_port'),
    apply: (v, c) => (int(v) === int(c.value('kube_apiserver_port')) ? { same: 'the proxy listens on the apiserver port' } : refuse(`kspray's localhost proxy listens on the apiserver port (${str(c.value('kube_apiserver_port'))})`, 'remove loadbalancer_apiserver_port')),
  },
  {
    name: 'loadbalancer_apiserver_healthcheck_port',
    lands: '',
    doc: `The localhost proxy answers its probes on ${NGINX_HEALTH_PORT}, Kubespray's default; another port is refused.`,
    relevant: localhostProxy,
    resolveDefault: () => NGINX_HEALTH_PORT,
    apply: (v) => (int(v) === NGINX_HEALTH_PORT ? { same: `health port ${NGINX_HEALTH_PORT}` } : refuse(`kspray's localhost proxy answers its health checks on ${NGINX_HEALTH_PORT}`, `loadbalancer_apiserver_healthcheck_port: ${NGINX_HEALTH_PORT}`)),
  },
  {
    name: 'kube_vip_enabled',
    lands: 'controlPlane.loadBalancer: kube-vip',
    doc: 'kube-vip (ARP) holding kube_vip_address on the control planes.',
    relevant: { doc: 'no loadbalancer_apiserver', when: (c) => c.choices.apiLoadBalancer !== 'external' },
    apply: (v) => (bool(v) ? set('controlPlane.loadBalancer', 'kube-vip') : { same: 'no kube-vip' }),
  },
  {
    name: 'kube_vip_address',
    lands: 'controlPlane.endpoint',
    doc: 'The virtual IP.',
    relevant: enabledBy('kube_vip_enabled'),
    apply: (v, c) => set('controlPlane.endpoint', `${String(v)}:${str(c.value('kube_apiserver_port'))}`),
  },
  {
    name: 'kube_vip_arp_enabled',
    lands: '',
    doc: 'true: kspray\'s kube-vip announces by ARP. BGP is refused.',
    relevant: enabledBy('kube_vip_enabled'),
    apply: (v) => (bool(v) ? { same: 'ARP' } : refuse('kspray runs kube-vip in ARP mode only', 'kube_vip_arp_enabled: true')),
  },
  { name: 'kube_vip_controlplane_enabled', lands: '', doc: 'true: kube-vip holds the API address.', relevant: enabledBy('kube_vip_enabled'), apply: (v) => (bool(v) ? { same: 'control plane VIP' } : refuse('kspray runs kube-vip for the API address', 'kube_vip_controlplane_enabled: true')) },
  // --- etcd
  {
    name: 'etcd_deployment_type',
    lands: 'etcd.topology',
    doc: "host: the etcd group equal to the control planes → stacked (kubeadm runs the same members as static pods); any other etcd group (dedicated hosts, or overlapping control planes and workers) → external: etcd as a systemd service on each etcd host, kubeadm pointing at them. kubeadm → stacked (the etcd group must be the control planes). docker is refused.",
    apply: (v, c) => {
      const { controlPlanes, etcd, workers } = c.hosts;
      const stackedLayout = etcd.length === 0 || (etcd.length === controlPlanes.length && etcd.every((h) => controlPlanes.includes(h)));
      if (v === 'docker') return refuse('etcd in Docker containers: kspray runs no Docker', 'etcd_deployment_type: host (or kubeadm)');
      if (v !== 'host' && v !== 'kubeadm') return refuse(`no etcd deployment type ${str(v)}`, 'host or kubeadm');
      if (stackedLayout) {
        return v === 'kubeadm' ? { same: 'etcd.topology: stacked' } : { own: 'etcd.topology: stacked: the etcd group is the control planes; Kubespray runs those members as systemd services, kspray as kubeadm static pods on the same nodes (same members, same certificates)' };
      }
      if (v === 'kubeadm') return refuse('kubeadm runs etcd on the control planes, and the etcd group differs from kube_control_plane', 'make the etcd group equal kube_control_plane, or etcd_deployment_type: host');
      const shared = etcd.filter((h) => controlPlanes.includes(h) || workers.includes(h));
      return set('etcd.topology', 'external', `etcd as systemd services on the etcd hosts${shared.length ? ` (${shared.join(', ')} also run Kubernetes)` : ''}, kubeadm pointing at them, as Kubespray`);
    },
  },
  {
    name: 'etcd_data_dir',
    lands: '',
    doc: '/var/lib/etcd, as kspray; another directory is refused.',
    apply: (v) => (v === '/var/lib/etcd' ? { same: '/var/lib/etcd' } : refuse("kspray's etcd data directory is /var/lib/etcd", 'etcd_data_dir: /var/lib/etcd')),
  },
  // --- container runtime
  {
    name: 'container_manager',
    lands: 'containerRuntime.name',
    doc: 'containerd, or crio → cri-o (the bundle of the kubernetes minor, as Kubespray crio_version). docker is refused.',
    apply: (v) =>
      v === 'containerd'
        ? { same: 'containerd' }
        : v === 'crio'
          ? set('containerRuntime.name', 'cri-o')
          : refuse(`kspray runs containerd or cri-o, not ${str(v)} (Kubespray's docker mode goes through cri-dockerd)`, 'container_manager: containerd (or crio)'),
  },
  {
    name: 'containerd_registries_mirrors',
    lands: 'containerRuntime.registryMirrors',
    doc: 'Each {prefix, mirrors: [{host, capabilities, skip_verify}]} → {host: prefix, endpoints, skipVerify}. Mirrors that cannot pull and resolve are refused.',
    relevant: runtime('containerd'),
    apply: (v) => {
      const r = containerdMirrors(v);
      if ('why' in r) return refuse(r.why, 'mirrors with capabilities [pull, resolve] and one skip_verify per prefix');
      return r.mirrors.length ? set('containerRuntime.registryMirrors', r.mirrors) : { same: 'no mirrors' };
    },
  },
  {
    name: 'crio_registries',
    lands: 'containerRuntime.registryMirrors',
    doc: 'Each {prefix, location, mirrors: [{location, insecure}]} → {host: prefix, endpoints: https://<location>}. Blocked, relocated or unqualified registries are refused.',
    relevant: runtime('crio'),
    apply: (v) => {
      const r = crioMirrors(v);
      if ('why' in r) return refuse(r.why, 'entries that only add mirrors in front of their registry');
      return r.mirrors.length ? set('containerRuntime.registryMirrors', r.mirrors) : { same: 'no mirrors' };
    },
  },
  // --- proxies
  { name: 'http_proxy', lands: 'proxy.http', doc: 'Written as is (container runtime, kubelet, the node program downloads).', resolveDefault: () => undefined, apply: (v) => (v ? set('proxy.http', String(v)) : { same: 'no proxy' }) },
  { name: 'https_proxy', lands: 'proxy.https', doc: 'Written as is.', resolveDefault: () => undefined, apply: (v) => (v ? set('proxy.https', String(v)) : { same: 'no proxy' }) },
  {
    name: 'additional_no_proxy_list',
    lands: 'proxy.noProxy',
    doc: "Extra NO_PROXY entries; kspray adds Kubespray's own list (nodes, subnets, cluster domain, API host) itself.",
    relevant: { doc: 'http_proxy or https_proxy', when: (c) => !!(c.value('http_proxy') || c.value('https_proxy')) },
    resolveDefault: () => undefined,
    apply: (v) => (Array.isArray(v) && v.every((e) => typeof e === 'string') ? set('proxy.noProxy', v) : refuse('not a list of hosts', 'additional_no_proxy_list: [example.com]')),
  },
  {
    name: 'additional_no_proxy',
    lands: 'proxy.noProxy',
    doc: 'A comma-separated string of extra NO_PROXY entries.',
    relevant: { doc: 'http_proxy or https_proxy', when: (c) => !!(c.value('http_proxy') || c.value('https_proxy')) },
    resolveDefault: () => undefined,
    apply: (v) => set('proxy.noProxy', String(v).split(',').map((s) => s.trim()).filter(Boolean)),
  },
  {
    name: 'no_proxy',
    lands: '',
    doc: "Refused: it replaces Kubespray's computed list, and kspray always computes it (add entries with additional_no_proxy_list).",
    relevant: { doc: 'http_proxy or https_proxy', when: (c) => !!(c.value('http_proxy') || c.value('https_proxy')) },
    resolveDefault: () => undefined,
    apply: () => refuse("kspray computes NO_PROXY itself (nodes, subnets, cluster domain, API host) and cannot replace it", 'additional_no_proxy_list with the extra entries'),
  },
  {
    name: 'skip_http_proxy_on_os_packages',
    lands: '',
    doc: "kspray's proxy is given to the runtime, kubelet and the node program's downloads, never to the OS package manager.",
    relevant: { doc: 'http_proxy or https_proxy', when: (c) => !!(c.value('http_proxy') || c.value('https_proxy')) },
    apply: (v) => (bool(v) ? { same: 'the OS package manager does not use the proxy' } : { own: "kspray does not configure the OS package manager's proxy: OS packages come through the image's own settings" }),
  },
  // --- network
  {
    name: 'kube_network_plugin',
    lands: 'network.plugin',
    doc: 'calico, cilium, flannel, kube-router; cni → none (you install the plugin). kube-ovn, macvlan and custom_cni are refused.',
    apply: (v) => {
      if (v === 'calico') return { same: 'calico' };
      if (v === 'cilium' || v === 'flannel' || v === 'kube-router') return set('network.plugin', v);
      if (v === 'cni') return set('network.plugin', 'none', 'you install the CNI plugin, as with Kubespray');
      if (v === 'custom_cni') return refuse('Kubespray installs the custom_cni_* chart or manifests; kspray installs no third-party CNI', 'kube_network_plugin: cni (network.plugin: none) and install the chart after the cluster is up, or calico/cilium/flannel/kube-router');
      return refuse(`kspray has no ${str(v)} plugin`, 'calico, cilium, flannel, kube-router, or cni (you install it)');
    },
  },
  {
    name: 'kube_network_plugin_multus',
    lands: 'network.multus',
    doc: 'Multus on top of the plugin.',
    apply: (v, c) => (bool(v) ? (c.choices.plugin === 'cni' ? refuse('Multus needs a network plugin kspray installs', 'a plugin, or no Multus') : set('network.multus', true)) : { same: 'no Multus' }),
  },
  {
    name: 'calico_network_backend',
    lands: 'network.calico.encapsulation, network.calico.bgp',
    doc: 'vxlan: no BGP, VXLAN per calico_vxlan_mode. bird: BGP between the nodes (BIRD) with IPIP or VXLAN per the modes, or none. none is refused (no routes between nodes).',
    relevant: plugin('calico'),
    apply: (v, c) => {
      if (v !== 'bird' && v !== 'vxlan') return refuse(`backend ${str(v)}: kspray's Calico either peers the nodes over BGP (bird) or tunnels with VXLAN`, 'calico_network_backend: vxlan or bird');
      const ipip = String(c.value('calico_ipip_mode'));
      const vxlan = String(c.value('calico_vxlan_mode'));
      const on = (m: string) => m === 'Always' || m === 'CrossSubnet';
      if (on(ipip) && on(vxlan)) return refuse('calico_ipip_mode and calico_vxlan_mode are both on; a pool has one encapsulation', 'one of them Never');
      const encapsulation = on(vxlan) ? 'vxlan' : on(ipip) ? 'ipip' : 'none';
      if (v === 'vxlan' && encapsulation !== 'vxlan') return refuse(`the vxlan backend without VXLAN (calico_vxlan_mode: ${vxlan}) leaves nodes without routes`, 'calico_vxlan_mode: Always, or calico_network_backend: bird');
      const crossSubnet = ipip === 'CrossSubnet' || vxlan === 'CrossSubnet';
      const bgp = v === 'bird';
      const out: Array<[string, unknown]> = [];
      if (encapsulation !== DEFAULTS.network.calico.encapsulation) out.push(['network.calico.encapsulation', encapsulation]);
      // kspray's BGP default follows the encapsulation (BIRD unless VXLAN); write it only when it differs.
      if (bgp !== (encapsulation !== 'vxlan')) out.push(['network.calico.bgp', bgp]);
      if (crossSubnet) out.push(['network.calico.crossSubnet', true]);
      return out.length ? { set: out } : { same: 'VXLAN, no BGP' };
    },
  },
  {
    name: 'calico_vxlan_mode',
    lands: 'network.calico.encapsulation, network.calico.crossSubnet',
    doc: 'Always/CrossSubnet/Never, read with calico_network_backend.',
    relevant: plugin('calico'),
    apply: (v) => (['Always', 'CrossSubnet', 'Never'].includes(String(v)) ? { same: 'read with calico_network_backend' } : refuse(`no VXLAN mode ${str(v)}`, 'Always, CrossSubnet or Never')),
  },
  {
    name: 'calico_ipip_mode',
    lands: 'network.calico.encapsulation, network.calico.crossSubnet',
    doc: 'Always/CrossSubnet/Never, read with calico_network_backend.',
    relevant: plugin('calico'),
    apply: (v) => (['Always', 'CrossSubnet', 'Never'].includes(String(v)) ? { same: 'read with calico_network_backend' } : refuse(`no IPIP mode ${str(v)}`, 'Always, CrossSubnet or Never')),
  },
  { name: 'ipip', lands: '', doc: 'Legacy switch Kubespray no longer reads (calico_ipip_mode decides).', relevant: plugin('calico'), apply: () => ignore('Kubespray no longer reads it: calico_ipip_mode decides') },
  {
    name: 'calico_pool_blocksize',
    lands: 'network.calico.blockSize',
    doc: "Calico's IPAM block size (Kubespray's default 26, written as kspray's default too).",
    relevant: plugin('calico'),
    apply: (v) => (int(v) !== undefined ? setUnless('network.calico.blockSize', int(v), DEFAULTS.network.calico.blockSize) : refuse('not a number', 'a prefix length such as 26')),
  },
  {
    name: 'calico_veth_mtu',
    lands: 'network.mtu',
    doc: 'The pod MTU (0 or absent: detected).',
    relevant: plugin('calico'),
    resolveDefault: () => undefined,
    apply: (v) => (int(v) ? set('network.mtu', int(v)) : { same: 'MTU detected by Calico' }),
  },
  { name: 'calico_mtu', lands: 'network.mtu', doc: 'The pod MTU when calico_veth_mtu is not set.', relevant: plugin('calico'), resolveDefault: () => undefined, apply: (v, c) => (c.given('calico_veth_mtu') ? ignore('calico_veth_mtu wins') : int(v) ? set('network.mtu', int(v)) : { same: 'detected' }) },
  { name: 'calico_datastore', lands: '', doc: 'kdd (the Kubernetes API), as kspray; etcd is refused.', relevant: plugin('calico'), apply: (v) => (v === 'kdd' ? { same: 'kdd' } : refuse('kspray runs Calico on the Kubernetes datastore (kdd)', 'calico_datastore: kdd')) },
  { name: 'calico_bpf_enabled', lands: '', doc: 'false; the eBPF dataplane is refused.', relevant: plugin('calico'), apply: (v) => (bool(v) ? refuse("kspray's Calico runs the iptables dataplane", 'calico_bpf_enabled: false, or kube_network_plugin: cilium for eBPF') : { same: 'iptables dataplane' }) },
  {
    name: 'cilium_kube_proxy_replacement',
    lands: 'network.cilium.kubeProxyReplacement',
    doc: 'true/strict → true (no kube-proxy); false → kube-proxy kept.',
    relevant: plugin('cilium'),
    apply: (v) => (v === true || v === 'true' || v === 'strict' ? set('network.cilium.kubeProxyReplacement', true) : bool(v) === false || v === 'disabled' ? { same: 'kube-proxy kept' } : refuse(`${str(v)}: kspray has on or off`, 'true or false')),
  },
  {
    name: 'cilium_tunnel_mode',
    lands: 'network.cilium.tunnel',
    doc: 'vxlan or geneve; native routing is refused.',
    relevant: plugin('cilium'),
    apply: (v) => (v === 'vxlan' || v === 'geneve' ? setUnless('network.cilium.tunnel', v, DEFAULTS.network.cilium.tunnel) : refuse("kspray's Cilium tunnels between nodes", 'vxlan or geneve')),
  },
  { name: 'kube_router_run_service_proxy', lands: '', doc: 'false (kube-proxy kept), as kspray; true is refused.', relevant: plugin('kube-router'), apply: (v) => (bool(v) ? refuse("kspray's kube-router does routing and NetworkPolicy; kube-proxy serves Services", 'kube_router_run_service_proxy: false') : { same: 'kube-proxy kept' }) },
  { name: 'enable_network_policy', lands: '', doc: 'true: the plugin enforces NetworkPolicy, as kspray.', apply: (v) => (bool(v) === false ? refuse('kspray does not turn NetworkPolicy enforcement off', 'enable_network_policy: true') : { same: 'NetworkPolicy enforced' }) },
  // --- DNS and addons
  { name: 'dns_mode', lands: '', doc: 'coredns (kubeadm\'s CoreDNS); coredns_dual, manual and none are refused.', apply: (v) => (v === 'coredns' ? { same: 'CoreDNS' } : refuse(`dns_mode ${str(v)}: kspray deploys one CoreDNS (kubeadm's)`, 'dns_mode: coredns')) },
  { name: 'enable_nodelocaldns', lands: 'addons.nodeLocalDNS', doc: 'Written as is.', apply: (v) => setUnless('addons.nodeLocalDNS', bool(v) ?? v, DEFAULTS.addons.nodeLocalDNS) },
  { name: 'nodelocaldns_ip', lands: '', doc: `${DEFAULTS.addons.nodeLocalDNSAddress}, as kspray; another address is refused.`, relevant: enabledBy('enable_nodelocaldns'), apply: (v) => (v === DEFAULTS.addons.nodeLocalDNSAddress ? { same: 'nodelocaldns address' } : refuse(`kspray's nodelocaldns listens on ${DEFAULTS.addons.nodeLocalDNSAddress}`, `nodelocaldns_ip: ${DEFAULTS.addons.nodeLocalDNSAddress}`)) },
  { name: 'enable_nodelocaldns_secondary', lands: '', doc: 'false; the secondary nodelocaldns is refused.', relevant: enabledBy('enable_nodelocaldns'), apply: (v) => (bool(v) ? refuse('kspray runs one nodelocaldns DaemonSet', 'enable_nodelocaldns_secondary: false') : { same: 'one nodelocaldns' }) },
  { name: 'metrics_server_enabled', lands: 'addons.metricsServer', doc: 'Written as is.', apply: (v) => setUnless('addons.metricsServer', bool(v) ?? v, DEFAULTS.addons.metricsServer) },
  {
    name: 'enable_dns_autoscaler',
    lands: 'addons.dnsAutoscaler',
    doc: "Kubespray's default true: the dns-autoscaler is written with Kubespray's dns_* settings.",
    apply: (v, c) => {
      if (!bool(v)) return { same: 'no dns-autoscaler' };
      const a: Record<string, unknown> = {};
      const min = int(c.value('dns_min_replicas'));
      if (min !== undefined && min !== DEFAULTS.dnsAutoscaler.min) a.min = min;
      const nodes = int(c.value('dns_nodes_per_replica'));
      if (nodes !== undefined && nodes !== DEFAULTS.dnsAutoscaler.nodesPerReplica) a.nodesPerReplica = nodes;
      const cores = int(c.value('dns_cores_per_replica'));
      if (cores !== undefined && cores !== DEFAULTS.dnsAutoscaler.coresPerReplica) a.coresPerReplica = cores;
      const spof = bool(c.value('dns_prevent_single_point_failure'));
      if (spof !== undefined && spof !== DEFAULTS.dnsAutoscaler.preventSinglePointFailure) a.preventSinglePointFailure = spof;
      return set('addons.dnsAutoscaler', a);
    },
  },
  { name: 'dns_min_replicas', lands: 'addons.dnsAutoscaler.min', doc: 'Kubespray: min(2, cluster hosts).', relevant: enabledBy('enable_dns_autoscaler'), resolveDefault: (c) => Math.min(2, c.hosts.cluster.length), apply: () => ({ same: 'read with enable_dns_autoscaler' }) },
  { name: 'dns_nodes_per_replica', lands: 'addons.dnsAutoscaler.nodesPerReplica', doc: 'Read with enable_dns_autoscaler.', relevant: enabledBy('enable_dns_autoscaler'), apply: () => ({ same: 'read with enable_dns_autoscaler' }) },
  { name: 'dns_cores_per_replica', lands: 'addons.dnsAutoscaler.coresPerReplica', doc: 'Read with enable_dns_autoscaler.', relevant: enabledBy('enable_dns_autoscaler'), apply: () => ({ same: 'read with enable_dns_autoscaler' }) },
  {
    name: 'dns_prevent_single_point_failure',
    lands: 'addons.dnsAutoscaler.preventSinglePointFailure',
    doc: 'Kubespray: true when dns_min_replicas > 1.',
    relevant: enabledBy('enable_dns_autoscaler'),
    resolveDefault: (c) => (int(c.value('dns_min_replicas')) ?? 2) > 1,
    apply: () => ({ same: 'read with enable_dns_autoscaler' }),
  },
  { name: 'helm_enabled', lands: 'addons.helm', doc: 'Written as is.', apply: (v) => (bool(v) ? set('addons.helm', true) : { same: 'no helm' }) },
  { name: 'argocd_enabled', lands: 'addons.argocd', doc: "Argo CD at Kubespray's argocd_version.", apply: (v) => (bool(v) ? set('addons.argocd', true) : { same: 'no Argo CD' }) },
  {
    name: 'cert_manager_enabled',
    lands: 'addons.certManager',
    doc: "cert-manager at Kubespray's cert_manager_version; kspray validate then asks for the manifest's sha256 (Kubespray has none).",
    apply: (v) => (bool(v) ? set('addons.certManager', {}, 'kspray validate asks for addons.certManager.manifestSha256 (the URL is in its message)') : { same: 'no cert-manager' }),
  },
  {
    name: 'metallb_enabled',
    lands: 'addons.metallb',
    doc: "MetalLB with metallb_config.address_pools (layer 2); kspray validate then asks for the manifest's sha256.",
    apply: (v, c) => {
      if (!bool(v)) return { same: 'no MetalLB' };
      const pools = (c.value('metallb_config') as Record<string, any> | undefined)?.address_pools;
      if (!pools || typeof pools !== 'object') return refuse('MetalLB without metallb_config.address_pools', 'metallb_config: { address_pools: { primary: { ip_range: [10.0.0.100-10.0.0.120] } } }');
      const addressPools = Object.entries(pools as Record<string, { ip_range?: string[] }>).map(([name, p]) => ({ name, addresses: p.ip_range ?? [] }));
      return set('addons.metallb', { addressPools }, 'kspray validate asks for addons.metallb.manifestSha256');
    },
  },
  { name: 'metallb_config', lands: 'addons.metallb.addressPools', doc: 'Read with metallb_enabled.', relevant: enabledBy('metallb_enabled'), resolveDefault: () => undefined, apply: () => ({ same: 'read with metallb_enabled' }) },
  {
    name: 'upstream_dns_servers',
    lands: 'addons.coredns.upstreamServers',
    doc: 'Written as is (CoreDNS and nodelocaldns forward there).',
    resolveDefault: () => undefined,
    apply: (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v.length ? set('addons.coredns.upstreamServers', v) : { same: "each node's resolv.conf" }) : refuse('not a list of addresses', 'upstream_dns_servers: [8.8.8.8]')),
  },
  {
    name: 'coredns_external_zones',
    lands: 'addons.coredns.zones',
    doc: 'Each {zones, nameservers, cache} → one zone per name. rewrite rules are refused.',
    resolveDefault: () => undefined,
    apply: (v) => {
      const blocks = Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [];
      const ok = blocks.every((b) => b && Array.isArray(b.zones) && Array.isArray(b.nameservers) && (b.cache === undefined || int(b.cache) !== undefined) && b.rewrite === undefined);
      if (!Array.isArray(v) || !ok) return refuse('expected a list of {zones, nameservers, cache} without rewrite', 'coredns_external_zones: [{ zones: [corp.example.com], nameservers: [10.0.0.53], cache: 5 }]');
      const zones = blocks.flatMap((b) => (b.zones as string[]).map((name) => ({ name, servers: b.nameservers, ...(b.cache !== undefined ? { cache: int(b.cache) } : {}) })));
      return zones.length ? set('addons.coredns.zones', zones) : { same: 'no zones' };
    },
  },
  {
    name: 'local_path_provisioner_enabled',
    lands: 'addons.localPathProvisioner',
    doc: 'With local_path_provisioner_{namespace, storage_class, reclaim_policy, claim_root, is_default_storageclass}.',
    apply: (v, c) => {
      if (!bool(v)) return { same: 'no local-path-provisioner' };
      const l: Record<string, unknown> = {};
      const copy = (variable: string, key: string, convert: (x: unknown) => unknown = (x) => x) => {
        if (c.given(variable)) l[key] = convert(c.value(variable));
      };
      copy('local_path_provisioner_namespace', 'namespace', String);
      copy('local_path_provisioner_storage_class', 'storageClass', String);
      copy('local_path_provisioner_reclaim_policy', 'reclaimPolicy', String);
      copy('local_path_provisioner_claim_root', 'claimRoot', String);
      copy('local_path_provisioner_is_default_storageclass', 'defaultClass', (x) => bool(x));
      return set('addons.localPathProvisioner', l);
    },
  },
  {
    name: 'registry_enabled',
    lands: 'addons.registry',
    doc: 'With registry_{namespace, port, storage_class, disk_size}.',
    apply: (v, c) => {
      if (!bool(v)) return { same: 'no registry' };
      const r: Record<string, unknown> = {};
      if (c.given('registry_namespace')) r.namespace = String(c.value('registry_namespace'));
      if (c.given('registry_port')) r.port = int(c.value('registry_port'));
      if (c.given('registry_storage_class')) r.storageClass = String(c.value('registry_storage_class'));
      // Kubespray's registry_disk_size sizes the claim only with a storage class.
      if (c.given('registry_disk_size') && r.storageClass !== undefined) r.size = String(c.value('registry_disk_size'));
      return set('addons.registry', r);
    },
  },
  ...['local_path_provisioner_namespace', 'local_path_provisioner_storage_class', 'local_path_provisioner_reclaim_policy', 'local_path_provisioner_claim_root', 'local_path_provisioner_is_default_storageclass'].map(
    (name): Row => ({ name, lands: 'addons.localPathProvisioner', doc: 'Read with local_path_provisioner_enabled.', relevant: enabledBy('local_path_provisioner_enabled'), resolveDefault: () => undefined, apply: () => ({ same: 'read with local_path_provisioner_enabled' }) }),
  ),
  ...['registry_namespace', 'registry_port', 'registry_storage_class', 'registry_disk_size'].map(
    (name): Row => ({ name, lands: 'addons.registry', doc: 'Read with registry_enabled.', relevant: enabledBy('registry_enabled'), resolveDefault: () => undefined, apply: () => ({ same: 'read with registry_enabled' }) }),
  ),
  {
    name: 'files_repo',
    lands: 'artifacts.mirror',
    doc: 'The files mirror, laid out like Kubespray files_repo.',
    resolveDefault: () => undefined,
    apply: (v) => set('artifacts.mirror', String(v)),
  },
  {
    name: 'registry_host',
    lands: 'artifacts.registry',
    doc: 'The image registry every image is pulled through.',
    resolveDefault: () => undefined,
    apply: (v) => set('artifacts.registry', String(v)),
  },
  // --- component customization (spec.controlPlane.*, spec.kubelet, spec.kubeProxy)
  {
    name: 'kube_kubeadm_apiserver_extra_args',
    lands: 'controlPlane.apiServer.extraArgs',
    doc: 'Each flag: value, as kubeadm extraArgs. A flag kspray sets (certificates, etcd servers, feature gates...) is refused.',
    apply: (v) => (v && typeof v === 'object' && !Array.isArray(v) ? extraArgs('kube-apiserver', 'controlPlane.apiServer.extraArgs', v as Record<string, unknown>) : refuse('not a mapping of flag: value', 'kube_kubeadm_apiserver_extra_args: { flag: value }')),
  },
  {
    name: 'kube_kubeadm_controller_extra_args',
    lands: 'controlPlane.controllerManager.extraArgs',
    doc: 'Each flag: value. A flag kspray sets is refused.',
    apply: (v) => (v && typeof v === 'object' && !Array.isArray(v) ? extraArgs('kube-controller-manager', 'controlPlane.controllerManager.extraArgs', v as Record<string, unknown>) : refuse('not a mapping of flag: value', 'kube_kubeadm_controller_extra_args: { flag: value }')),
  },
  {
    name: 'kube_kubeadm_scheduler_extra_args',
    lands: 'controlPlane.scheduler.extraArgs',
    doc: 'Each flag: value. A flag kspray sets is refused.',
    apply: (v) => (v && typeof v === 'object' && !Array.isArray(v) ? extraArgs('kube-scheduler', 'controlPlane.scheduler.extraArgs', v as Record<string, unknown>) : refuse('not a mapping of flag: value', 'kube_kubeadm_scheduler_extra_args: { flag: value }')),
  },
  {
    name: 'kubelet_custom_flags',
    lands: 'kubelet.extraArgs',
    doc: 'The list of --flag=value → kubelet extraArgs. A flag kspray sets is refused.',
    apply: (v) => {
      const flags = flagList(v);
      return flags ? extraArgs('kubelet', 'kubelet.extraArgs', flags) : refuse('not a list of --flag=value', 'kubelet_custom_flags: ["--flag=value"]');
    },
  },
  {
    name: 'kube_apiserver_enable_admission_plugins',
    lands: 'controlPlane.apiServer.extraArgs.enable-admission-plugins',
    doc: 'Joined with commas into --enable-admission-plugins.',
    apply: (v) =>
      Array.isArray(v) && v.every((p) => typeof p === 'string' && /^[A-Za-z]+$/.test(p))
        ? v.length
          ? set('controlPlane.apiServer.extraArgs.enable-admission-plugins', v.join(','))
          : { same: "kube-apiserver's default plugins" }
        : refuse('not a list of admission plugin names', 'kube_apiserver_enable_admission_plugins: [NodeRestriction]'),
  },
  {
    name: 'kube_apiserver_disable_admission_plugins',
    lands: 'controlPlane.apiServer.extraArgs.disable-admission-plugins',
    doc: 'Joined with commas into --disable-admission-plugins.',
    apply: (v) =>
      Array.isArray(v) && v.every((p) => typeof p === 'string' && /^[A-Za-z]+$/.test(p))
        ? v.length
          ? set('controlPlane.apiServer.extraArgs.disable-admission-plugins', v.join(','))
          : { same: 'none disabled' }
        : refuse('not a list of admission plugin names', 'kube_apiserver_disable_admission_plugins: [PodNodeSelector]'),
  },
  {
    name: 'kube_apiserver_admission_control_config_file',
    lands: 'controlPlane.apiServer.admission',
    doc: 'false, as kspray without spec.controlPlane.apiServer.admission. true is refused: Kubespray builds the file from its own templates (EventRateLimit, PodSecurity...); write the AdmissionConfiguration in controlPlane.apiServer.admission.',
    apply: (v) => (bool(v) ? refuse("Kubespray writes the admission configuration from its templates, which kspray does not carry", 'controlPlane.apiServer.admission with the AdmissionConfiguration, and kube_apiserver_admission_control_config_file: false') : { same: 'no admission configuration file' }),
  },
  {
    name: 'kube_oidc_auth',
    lands: 'controlPlane.apiServer.extraArgs.oidc-*',
    doc: 'true: kube_oidc_url, kube_oidc_client_id and the optional kube_oidc_* claims and prefixes become the apiserver\'s --oidc-* flags, as Kubespray.',
    apply: (v, c) => {
      if (!bool(v)) return { same: 'no OIDC' };
      const flags: Array<[string, string]> = [
        ['kube_oidc_url', 'oidc-issuer-url'],
        ['kube_oidc_client_id', 'oidc-client-id'],
        ['kube_oidc_ca_file', 'oidc-ca-file'],
        ['kube_oidc_username_claim', 'oidc-username-claim'],
        ['kube_oidc_username_prefix', 'oidc-username-prefix'],
        ['kube_oidc_groups_claim', 'oidc-groups-claim'],
        ['kube_oidc_groups_prefix', 'oidc-groups-prefix'],
      ];
      if (!c.given('kube_oidc_url') || !c.given('kube_oidc_client_id')) return refuse('OIDC needs kube_oidc_url and kube_oidc_client_id', 'set both, or kube_oidc_auth: false');
      const out = flags.filter(([name]) => c.given(name)).map(([name, flag]): [string, unknown] => [`controlPlane.apiServer.extraArgs.${flag}`, String(c.value(name))]);
      return { set: out, ...(c.given('kube_oidc_ca_file') ? { note: 'the CA file must be on every control plane: add it with spec.files' } : {}) };
    },
  },
  ...['kube_oidc_url', 'kube_oidc_client_id', 'kube_oidc_ca_file', 'kube_oidc_username_claim', 'kube_oidc_username_prefix', 'kube_oidc_groups_claim', 'kube_oidc_groups_prefix'].map(
    (name): Row => ({ name, lands: 'controlPlane.apiServer.extraArgs', doc: 'Read with kube_oidc_auth.', relevant: enabledBy('kube_oidc_auth'), resolveDefault: () => undefined, apply: () => ({ same: 'read with kube_oidc_auth' }) }),
  ),
  {
    name: 'kubernetes_audit',
    lands: 'controlPlane.apiServer.auditPolicy',
    doc: "false, as kspray without an audit policy. true is refused: Kubespray's policy is a template (audit_policy_custom_rules) kspray does not carry; write the Policy in controlPlane.apiServer.auditPolicy (logs rotate with Kubespray's audit_log_* defaults).",
    apply: (v) => (bool(v) ? refuse("Kubespray's audit policy comes from its template, which kspray does not carry", 'controlPlane.apiServer.auditPolicy with an audit.k8s.io/v1 Policy, and kubernetes_audit: false') : { same: 'no auditing' }),
  },
  {
    name: 'kubelet_max_pods',
    lands: 'kubelet.config.maxPods',
    doc: "Written when it differs from the kubelet's 110 (Kubespray's default too).",
    apply: (v) => (int(v) === undefined ? refuse('not a number', 'kubelet_max_pods: 110') : int(v) === 110 ? { same: 'maxPods 110' } : set('kubelet.config.maxPods', int(v))),
  },
  {
    name: 'kube_reserved',
    lands: 'kubelet.config.kubeReserved',
    doc: "true: kube_{cpu,memory,ephemeral_storage,pid}_reserved → kubeReserved (allocatable shrinks, as Kubespray). Kubespray's kubeReservedCgroup (kubelet and runtime in kube.slice) is not carried: kspray leaves them in system.slice and enforces allocatable for pods only, as Kubespray's default kubelet_enforce_node_allocatable.",
    apply: (v, c) => (bool(v) ? set('kubelet.config.kubeReserved', reservation(c, 'kube'), 'kubelet and the runtime stay in system.slice (no kube.slice)') : { same: 'no reservation' }),
  },
  {
    name: 'system_reserved',
    lands: 'kubelet.config.systemReserved',
    doc: 'true: system_{cpu,memory,ephemeral_storage,pid}_reserved → systemReserved.',
    apply: (v, c) => (bool(v) ? set('kubelet.config.systemReserved', reservation(c, 'system')) : { same: 'no reservation' }),
  },
  ...(['kube', 'system'] as const).flatMap((prefix) =>
    ['cpu', 'memory', 'ephemeral_storage', 'pid'].map(
      (what): Row => ({ name: `${prefix}_${what}_reserved`, lands: `kubelet.config.${prefix}Reserved`, doc: `Read with ${prefix}_reserved.`, relevant: enabledBy(`${prefix}_reserved`), apply: () => ({ same: `read with ${prefix}_reserved` }) }),
    ),
  ),
  // kube_proxy_* → the KubeProxyConfiguration fields Kubespray's kubeadm-config template sets from them.
  ...(
    [
      ['kube_proxy_scheduler', ['ipvs.scheduler'], 'string'],
      ['kube_proxy_strict_arp', ['ipvs.strictARP'], 'bool'],
      ['kube_proxy_sync_period', ['ipvs.syncPeriod', 'iptables.syncPeriod'], 'string'],
      ['kube_proxy_min_sync_period', ['ipvs.minSyncPeriod', 'iptables.minSyncPeriod'], 'string'],
      ['kube_proxy_tcp_timeout', ['ipvs.tcpTimeout'], 'string'],
      ['kube_proxy_tcp_fin_timeout', ['ipvs.tcpFinTimeout'], 'string'],
      ['kube_proxy_udp_timeout', ['ipvs.udpTimeout'], 'string'],
      ['kube_proxy_exclude_cidrs', ['ipvs.excludeCIDRs'], 'list'],
      ['kube_proxy_masquerade_all', ['iptables.masqueradeAll'], 'bool'],
      ['kube_proxy_masquerade_bit', ['iptables.masqueradeBit'], 'int'],
      ['kube_proxy_conntrack_max_per_core', ['conntrack.maxPerCore'], 'int'],
      ['kube_proxy_conntrack_min', ['conntrack.min'], 'int'],
      ['kube_proxy_conntrack_tcp_close_wait_timeout', ['conntrack.tcpCloseWaitTimeout'], 'string'],
      ['kube_proxy_conntrack_tcp_established_timeout', ['conntrack.tcpEstablishedTimeout'], 'string'],
      ['kube_proxy_oom_score_adj', ['oomScoreAdj'], 'int'],
    ] as Array<[string, string[], 'string' | 'bool' | 'int' | 'list']>
  ).map(
    ([name, fields, type]): Row => ({
      name,
      lands: fields.map((f) => `kubeProxy.config.${f}`).join(', '),
      doc: "Written when it differs from Kubespray's default (which is kube-proxy's or the same as kspray's).",
      relevant: { doc: 'kube-proxy runs (no Cilium kube-proxy replacement)', when: (c) => !(c.choices.plugin === 'cilium' && [true, 'true', 'strict'].includes(c.value('cilium_kube_proxy_replacement') as never)) },
      apply: (v, c) => {
        const value = type === 'bool' ? bool(v) : type === 'int' ? int(v) : type === 'list' ? (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined) : typeof v === 'string' ? v : undefined;
        if (value === undefined) return refuse(`not a ${type}`, `${name} as in Kubespray's defaults`);
        if (!c.given(name) || JSON.stringify(v) === JSON.stringify(c.kubesprayDefault(name))) return { same: `kube-proxy's ${fields[0]}` };
        return { set: fields.map((f): [string, unknown] => [`kubeProxy.config.${f}`, value]) };
      },
    }),
  ),
  // --- OS preparation
  {
    name: 'preinstall_selinux_state',
    lands: '',
    doc: 'permissive, as kspray on dnf distributions; enforcing and disabled are refused.',
    apply: (v) => (v === 'permissive' ? { same: 'SELinux permissive' } : refuse(`kspray sets SELinux permissive on dnf distributions, not ${str(v)}`, 'preinstall_selinux_state: permissive')),
  },
  {
    name: 'kubelet_fail_cgroup_v1',
    lands: 'kubelet.config.failCgroupV1',
    doc: 'false (a cgroup v1 OS such as openEuler 24.03 from Kubernetes 1.35) becomes kubelet.config.failCgroupV1: false; true is the kubelet\'s default.',
    apply: (v) => {
      const b = bool(v);
      if (b === undefined) return refuse('not a boolean', 'kubelet_fail_cgroup_v1: true');
      return b ? { same: "the kubelet's failCgroupV1 default" } : set('kubelet.config.failCgroupV1', false);
    },
  },
  {
    name: 'kubeadm_ignore_preflight_errors',
    lands: '',
    doc: 'Only [SystemVerification] on a cgroup v1 OS (--os openeuler-24.03), which kspray ignores there itself; any other check is refused.',
    apply: (v, c) => {
      if (!Array.isArray(v)) return refuse('not a list', 'kubeadm_ignore_preflight_errors: []');
      if (v.length === 0) return { same: 'no preflight check ignored' };
      if (v.length === 1 && v[0] === 'SystemVerification' && c.os !== undefined && bootsCgroupV1(c.os)) return { same: `kspray ignores SystemVerification on ${c.os} (cgroup v1)` };
      return refuse(
        `kspray ignores only the preflight checks its own layout trips (static pods placed before kubeadm; SystemVerification on a cgroup v1 OS such as openeuler-24.03)${c.os ? `, and os ${c.os} is not one` : ', and no --os names such an OS'}`,
        'remove it (or pass --os openeuler-24.03 for openEuler hosts)',
      );
    },
  },
  // --- Ansible-only: no meaning without SSH
  ...[
    ['bin_dir', "kspray's node layout is fixed (/usr/local/bin, /opt/bin on Flatcar)"],
    ['local_release_dir', "kspray's node layout is fixed"],
    ['kube_config_dir', 'kubeadm layout (/etc/kubernetes)'],
    ['kube_script_dir', "kspray's node layout is fixed"],
    ['kube_manifest_dir', 'kubeadm layout (/etc/kubernetes/manifests)'],
    ['kube_cert_dir', 'kubeadm layout (/etc/kubernetes/pki)'],
    ['kube_token_dir', "kspray's node layout is fixed"],
    ['kube_owner', 'owner of Kubespray-written files; kspray writes as root'],
    ['kube_cert_group', 'group of Kubespray-written certificates; kspray writes as root'],
    ['credentials_dir', 'no Ansible controller: credentials live in the secrets bundle'],
    ['retry_stagger', 'no Ansible: nodes retry on their own'],
    ['kubeconfig_localhost', 'kspray always writes admin.conf into outputs/<cluster>/'],
    ['kubectl_localhost', 'no Ansible controller'],
    ['artifacts_dir', 'no Ansible controller: outputs go to outputs/<cluster>/'],
    ['unsafe_show_logs', 'Ansible logging'],
    ['kubeadm_certificate_key', 'control planes join with the CA files from their payload: no certificate key is uploaded'],
    ['download_run_once', 'Ansible download orchestration: each node downloads for itself (sha256-verified)'],
    ['download_localhost', 'Ansible download orchestration'],
    ['ignore_assert_errors', 'Ansible assertions'],
    ['skip_non_kubeadm_warning', 'Ansible warning'],
    ['upgrade_cluster_setup', "Kubespray CI's upgrade test switch"],
    ['pkg_install_timeout', 'Ansible task timeout'],
    ['kubeadm_patches_dir', "kspray's kubeadm patches directory is fixed"],
    ['kube_apiserver_ip', 'derived: the first address of the service subnet'],
    ['skydns_server', 'derived: the tenth address of the service subnet'],
    ['skydns_server_secondary', 'derived'],
  ].map(([name, why]): Row => ({ name: name!, lands: '', doc: `Ignored: ${why}.`, apply: () => ignore(why!) })),
];

/**
 * Variables without a row: the choice they belong to, by prefix. A calico_* variable under Cilium
 * says nothing about the cluster and is not reported.
 */
export const PREFIX_RELEVANCE: Array<[RegExp, Relevance]> = [
  [/^(calico_|typha_|global_as_num$|nat_outgoing|peer_with_calico_rr$)/, plugin('calico')],
  [/^(cilium_|hubble_)/, plugin('cilium')],
  [/^flannel_/, plugin('flannel')],
  [/^kube_router_/, plugin('kube-router')],
  [/^kube_ovn_/, plugin('kube-ovn')],
  [/^(macvlan_|enable_nat_default_gateway$)/, plugin('macvlan')],
  [/^custom_cni_/, plugin('custom_cni')],
  [/^multus_/, enabledBy('kube_network_plugin_multus')],
  [/^containerd_/, runtime('containerd')],
  [/^crio_/, runtime('crio')],
  [/^(docker_|cri_dockerd_|dockerd_)/, runtime('docker')],
  [/^resolvconf_mode$/, runtime('docker')],
  [/^system_upgrade_/, { doc: 'system_upgrade: true', when: (c) => bool(c.value('system_upgrade')) === true }],
  [/^(kube_vip_)/, enabledBy('kube_vip_enabled')],
  [/^nginx_/, { doc: 'loadbalancer_apiserver_type: nginx', when: (c) => c.choices.apiLoadBalancer === 'localhost' && c.value('loadbalancer_apiserver_type') === 'nginx' }],
  [/^haproxy_/, { doc: 'loadbalancer_apiserver_type: haproxy', when: (c) => c.choices.apiLoadBalancer === 'localhost' && c.value('loadbalancer_apiserver_type') === 'haproxy' }],
  [/^(nodelocaldns_|enable_nodelocaldns_secondary$)/, enabledBy('enable_nodelocaldns')],
  [/^(dns_autoscaler_|dnsautoscaler_)/, enabledBy('enable_dns_autoscaler')],
  [/^(openeuler_)/, { doc: 'an openEuler host', when: () => false }],
  [/^(hydrophone_|sonobuoy_)(?!enabled$)/, { doc: "Kubespray CI's conformance runner", when: () => false }],
];

/** `<name>_enabled: false` makes every other `<name>_*` variable irrelevant (ntp_enabled, metallb_enabled...). */
export function relevanceByPrefix(name: string): Relevance | undefined {
  for (const [re, rel] of PREFIX_RELEVANCE) if (re.test(name)) return rel;
  const parts = name.split('_');
  // Candidate switches, longest first: kubelet_csr_approver_values → kubelet_csr_approver_enabled, kubelet_enabled.
  const flags = parts
    .slice(1)
    .map((_, i) => `${parts.slice(0, parts.length - 1 - i).join('_')}_enabled`)
    .filter((f) => f !== '_enabled' && f !== name);
  if (flags.length === 0) return undefined;
  return {
    doc: 'its <name>_enabled switch',
    when: (c) => {
      for (const flag of flags) if (c.value(flag) !== undefined) return bool(c.value(flag)) !== false;
      return true;
    },
  };
}

export const ROW_BY_NAME = new Map(ROWS.map((r) => [r.name, r]));
