// `kspray import kubespray DIR`: a Kubespray inventory directory (hosts.yaml or inventory.ini plus
// group_vars/all and group_vars/k8s_cluster) → a kspray Cluster spec and a report of every variable:
// mapped, defaulted, ignored (meaningless without SSH/Ansible) or not supported. Pure: the CLI
// reads the directory (readTree) and writes the result.
//
// A value kspray cannot represent is never silently replaced by a different working choice (a
// migration that swaps cilium for calico would break a live cluster): when the spec has a field
// for it, it is written as found and `kspray validate` refuses it until implemented; when it has
// none, the report says so and the file's header lists it under REVIEW.
import { Document, parse as parseYaml, Scalar, isMap, isSeq } from 'yaml';
import { inputError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { DEFAULTS } from '../model/defaults.js';
import { defaultKubernetesVersion, kubernetesVersions } from '../catalog/catalog.js';
import { API_VERSION, NETWORK_PLUGINS, PROXY_MODES } from '../api/v1alpha1/types.js';
import { importAddons } from './kubesprayAddons.js';
import { groupHosts, parseIniInventory, parseYamlInventory, type Inventory, type Vars } from './inventory.js';

export type ReportStatus = 'mapped' | 'defaulted' | 'ignored' | 'unsupported';

export interface ReportEntry {
  variable: string;
  /** File the value came from (relative to the inventory dir); empty for defaults. */
  source: string;
  value?: unknown;
  status: ReportStatus;
  detail: string;
}

export interface ImportResult {
  /** The cluster spec as a plain object (kspray.dev/v1alpha1). */
  spec: Record<string, unknown>;
  report: ReportEntry[];
  inventoryFile: string;
}

export interface ImportOptions {
  /** metadata.name; Kubespray has no DNS-1123 cluster name (cluster_name is the DNS domain). */
  name: string;
}

const INVENTORY_FILES = ['hosts.yaml', 'hosts.yml', 'inventory.ini', 'hosts.ini', 'hosts'];
/** Current group names first, then the legacy ones Kubespray still accepts. */
const CONTROL_PLANE_GROUPS = ['kube_control_plane', 'kube-master', 'kube_master'];
const NODE_GROUPS = ['kube_node', 'kube-node'];
const CLUSTER_GROUPS = ['k8s_cluster', 'k8s-cluster'];

/** Variables that only steer Ansible or Kubespray's own file layout: no meaning for kspray. */
const IGNORED = new Map<string, string>([
  ['bin_dir', "kspray's node layout is fixed (/usr/local/bin)"],
  ['local_release_dir', "kspray's node layout is fixed"],
  ['kube_config_dir', "kspray's node layout is fixed (/etc/kubernetes)"],
  ['kube_script_dir', "kspray's node layout is fixed"],
  ['kube_manifest_dir', "kspray's node layout is fixed (/etc/kubernetes/manifests)"],
  ['kube_cert_dir', 'kubeadm layout is fixed (/etc/kubernetes/pki)'],
  ['kube_token_dir', "kspray's node layout is fixed"],
  ['credentials_dir', 'no Ansible controller: credentials live in the secrets bundle'],
  ['retry_stagger', 'no Ansible: nodes retry on their own'],
  ['kube_owner', "kspray's node layout is fixed"],
  ['kube_cert_group', "kspray's node layout is fixed"],
  ['kube_apiserver_ip', 'derived: the first address of the service subnet'],
  ['skydns_server', 'derived: kubeadm gives CoreDNS the tenth address of the service subnet'],
  ['skydns_server_secondary', 'derived'],
  ['kubeconfig_localhost', 'kspray always writes admin.conf into outputs/<cluster>/'],
  ['kubectl_localhost', 'no Ansible controller'],
  ['artifacts_dir', 'no Ansible controller: outputs go to outputs/<cluster>/'],
  ['kube_image_repo', 'images come from artifacts.registry (registry_host) when set'],
  ['gcr_image_repo', 'images come from artifacts.registry (registry_host) when set'],
  ['docker_image_repo', 'images come from artifacts.registry (registry_host) when set'],
  ['quay_image_repo', 'images come from artifacts.registry (registry_host) when set'],
  ['github_image_repo', 'images come from artifacts.registry (registry_host) when set'],
  ['unsafe_show_logs', 'Ansible logging'],
  ['kubeadm_certificate_key', 'control planes join with the CA files from their payload: no certificate key is uploaded'],
  ['etcd_member_name', 'kspray names etcd members after their nodes'],
]);

interface Layer {
  source: string;
  vars: Vars;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const yamlFile = (p: string) => /\.ya?ml$/.test(p);

function readVarsFile(path: string, text: string): Vars {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw inputError(messages.badGroupVars(path, (e as Error).message.split('\n')[0]!));
  }
  if (data === null || data === undefined) return {}; // a file of comments only, as in the sample
  if (!isRecord(data)) throw inputError(messages.badGroupVars(path, 'not a mapping'));
  return data;
}

/** group_vars/<group>.yml and group_vars/<group>/*.yml, in name order (Ansible's order). */
function groupVarsFiles(files: Map<string, string>, groupNames: string[]): Layer[] {
  const paths = [...files.keys()]
    .filter((p) => yamlFile(p) && groupNames.some((g) => p === `group_vars/${g}.yml` || p === `group_vars/${g}.yaml` || p.startsWith(`group_vars/${g}/`)))
    .sort();
  return paths.map((p) => ({ source: p, vars: readVarsFile(p, files.get(p)!) }));
}

function loadInventory(files: Map<string, string>, dir: string): { inv: Inventory; file: string } {
  const file = INVENTORY_FILES.find((f) => files.has(f));
  if (!file) throw inputError(messages.noInventory(dir));
  const text = files.get(file)!;
  const yaml = file.endsWith('.yaml') || file.endsWith('.yml') || (file === 'hosts' && !/^\s*\[/m.test(text));
  return { inv: yaml ? parseYamlInventory(text, file) : parseIniInventory(text, file), file };
}

const firstGroup = (inv: Inventory, names: string[]): string[] => {
  const out: string[] = [];
  for (const n of names) for (const h of groupHosts(inv, n)) if (!out.includes(h)) out.push(h);
  return out;
};

/** Kubespray's node_taints entries: "key=value:Effect" or "key:Effect". */
const TAINT = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;
const isTemplate = (v: unknown) => typeof v === 'string' && v.includes('{{');
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function importKubespray(files: Map<string, string>, dir: string, options: ImportOptions): ImportResult {
  const { inv, file: inventoryFile } = loadInventory(files, dir);
  const report: ReportEntry[] = [];

  // Variable layers, lowest precedence first (Ansible: inventory group vars < group_vars files,
  // and the all group < a child group).
  const layers: Layer[] = [
    { source: `${inventoryFile} [all:vars]`, vars: inv.groups.get('all')?.vars ?? {} },
    ...groupVarsFiles(files, ['all']),
    ...CLUSTER_GROUPS.map((g) => ({ source: `${inventoryFile} [${g}:vars]`, vars: inv.groups.get(g)?.vars ?? {} })),
    ...groupVarsFiles(files, CLUSTER_GROUPS),
  ];
  const vars = new Map<string, { value: unknown; source: string }>();
  for (const layer of layers) for (const [k, v] of Object.entries(layer.vars)) vars.set(k, { value: v, source: layer.source });

  // group_vars of other groups (etcd, kube_control_plane...) are listed, not imported.
  const otherGroupFiles = [...files.keys()]
    .filter((p) => p.startsWith('group_vars/') && yamlFile(p))
    .filter((p) => !layers.some((l) => l.source === p))
    .sort();
  for (const p of otherGroupFiles) {
    for (const k of Object.keys(readVarsFile(p, files.get(p)!))) {
      report.push({ variable: k, source: p, status: 'ignored', detail: 'only group_vars/all and group_vars/k8s_cluster are imported' });
    }
  }

  // ---- hosts and roles
  const cps = firstGroup(inv, CONTROL_PLANE_GROUPS);
  if (cps.length === 0) throw inputError(messages.noControlPlaneHosts(inventoryFile));
  const workers = firstGroup(inv, NODE_GROUPS);
  const etcdHosts = groupHosts(inv, 'etcd');

  const get = (name: string) => vars.get(name);
  const k8s: Record<string, unknown> = {};
  const controlPlane: Record<string, unknown> = {};
  const etcd: Record<string, unknown> = {};
  const runtime: Record<string, unknown> = {};
  const network: Record<string, unknown> = {};
  const addons: Record<string, unknown> = {};
  const artifacts: Record<string, unknown> = {};

  const mapped = (variable: string, detail: string) => {
    const v = vars.get(variable)!;
    report.push({ variable, source: v.source, value: v.value, status: 'mapped', detail });
  };
  const unsupported = (variable: string, detail: string) => {
    const v = vars.get(variable)!;
    report.push({ variable, source: v.source, value: v.value, status: 'unsupported', detail });
  };
  const defaulted = (variable: string, detail: string) => report.push({ variable, source: '', status: 'defaulted', detail });
  /** A variable with a spec field: template → unsupported, absent → defaulted, else `apply`. */
  const field = (variable: string, whenAbsent: string, apply: (value: unknown) => void) => {
    const v = get(variable);
    if (!v) return defaulted(variable, whenAbsent);
    if (isTemplate(v.value)) return unsupported(variable, `Jinja expression not evaluated; ${whenAbsent}`);
    apply(v.value);
  };

  field('kube_version', `kubernetes.version defaults to ${defaultKubernetesVersion()} (newest in kspray's catalog)`, (value) => {
    const version = String(value).replace(/^v/, '');
    k8s.version = version;
    if (kubernetesVersions().includes(version)) mapped('kube_version', `kubernetes.version: "${version}"`);
    else unsupported('kube_version', `written as kubernetes.version "${version}", but the catalog has no checksums for it; kspray validate refuses it (kspray versions lists the valid ones)`);
  });
  field('kube_service_addresses', `kubernetes.serviceSubnet defaults to ${DEFAULTS.kubernetes.serviceSubnet} (same as Kubespray)`, (value) => {
    k8s.serviceSubnet = String(value);
    mapped('kube_service_addresses', 'kubernetes.serviceSubnet');
  });
  field('kube_pods_subnet', `kubernetes.podSubnet defaults to ${DEFAULTS.kubernetes.podSubnet} (same as Kubespray)`, (value) => {
    k8s.podSubnet = String(value);
    mapped('kube_pods_subnet', 'kubernetes.podSubnet');
  });
  field('kube_network_node_prefix', `kubernetes.nodeCidrMaskSize defaults to ${DEFAULTS.kubernetes.nodeCidrMaskSize} (same as Kubespray)`, (value) => {
    k8s.nodeCidrMaskSize = Number(value);
    mapped('kube_network_node_prefix', 'kubernetes.nodeCidrMaskSize');
  });
  // Kubespray: dns_domain: "{{ cluster_name }}"; an explicit dns_domain wins.
  const dnsDomain = get('dns_domain');
  if (dnsDomain && !isTemplate(dnsDomain.value)) {
    k8s.clusterDomain = String(dnsDomain.value);
    mapped('dns_domain', 'kubernetes.clusterDomain');
    if (get('cluster_name')) report.push({ variable: 'cluster_name', source: vars.get('cluster_name')!.source, value: vars.get('cluster_name')!.value, status: 'ignored', detail: 'dns_domain is set explicitly and wins' });
  } else {
    if (dnsDomain) report.push({ variable: 'dns_domain', source: dnsDomain.source, value: dnsDomain.value, status: 'ignored', detail: "Kubespray's default, derived from cluster_name" });
    field('cluster_name', `kubernetes.clusterDomain defaults to ${DEFAULTS.kubernetes.clusterDomain} (same as Kubespray)`, (value) => {
      k8s.clusterDomain = String(value);
      mapped('cluster_name', 'kubernetes.clusterDomain (Kubespray: dns_domain = cluster_name); metadata.name comes from --name');
    });
  }
  field('kube_proxy_mode', `kubernetes.proxyMode defaults to ${DEFAULTS.kubernetes.proxyMode} (same as Kubespray)`, (value) => {
    if ((PROXY_MODES as readonly string[]).includes(String(value))) {
      k8s.proxyMode = String(value);
      mapped('kube_proxy_mode', 'kubernetes.proxyMode');
    } else unsupported('kube_proxy_mode', `no such kube-proxy mode in kspray (${PROXY_MODES.join(', ')})`);
  });
  field('kube_apiserver_port', `controlPlane.port defaults to ${DEFAULTS.controlPlane.port} (same as Kubespray)`, (value) => {
    controlPlane.port = Number(value);
    mapped('kube_apiserver_port', 'controlPlane.port');
  });

  // ---- API load balancing: loadbalancer_apiserver (external) > kube_vip > localhost proxy
  const lb = get('loadbalancer_apiserver');
  const lbDomain = get('apiserver_loadbalancer_domain_name');
  const vip = get('kube_vip_enabled');
  const vipAddress = get('kube_vip_address');
  const localhost = get('loadbalancer_apiserver_localhost');
  const lbType = get('loadbalancer_apiserver_type');
  const localPort = get('loadbalancer_apiserver_port');
  if (lb && isRecord(lb.value) && lb.value.address) {
    const port = lb.value.port ?? DEFAULTS.controlPlane.port;
    const host = lbDomain && !isTemplate(lbDomain.value) ? String(lbDomain.value) : String(lb.value.address);
    controlPlane.loadBalancer = 'external';
    controlPlane.endpoint = `${host}:${port}`;
    mapped('loadbalancer_apiserver', `controlPlane.loadBalancer: external, endpoint ${host}:${port}`);
    if (lbDomain) mapped('apiserver_loadbalancer_domain_name', 'controlPlane.endpoint host (it must resolve on every node: kspray writes no /etc/hosts entry)');
  } else if (vip && vip.value === true) {
    controlPlane.loadBalancer = 'kube-vip';
    mapped('kube_vip_enabled', 'controlPlane.loadBalancer: kube-vip (not implemented yet: kspray validate refuses it)');
    if (vipAddress) {
      controlPlane.endpoint = String(vipAddress.value);
      mapped('kube_vip_address', 'controlPlane.endpoint');
    }
  } else {
    if (lb) unsupported('loadbalancer_apiserver', 'needs an address; the localhost proxy is used');
    if (vip) mapped('kube_vip_enabled', 'false: no kube-vip');
    if (localhost && localhost.value === false) {
      unsupported('loadbalancer_apiserver_localhost', 'kspray has no "first control plane only" mode: controlPlane.loadBalancer: localhost (nginx on every non-control-plane node) is used');
    } else if (localhost) {
      mapped('loadbalancer_apiserver_localhost', 'controlPlane.loadBalancer: localhost');
    } else {
      defaulted('loadbalancer_apiserver_localhost', 'controlPlane.loadBalancer defaults to localhost (as Kubespray without loadbalancer_apiserver)');
    }
    controlPlane.loadBalancer = 'localhost';
  }
  if (lbType) {
    if (lbType.value === 'nginx') mapped('loadbalancer_apiserver_type', 'kspray\'s localhost proxy is nginx');
    else unsupported('loadbalancer_apiserver_type', `"${String(lbType.value)}": kspray's localhost proxy is nginx (same behaviour, different proxy)`);
  }
  if (localPort) {
    if (controlPlane.loadBalancer !== 'localhost') report.push({ variable: 'loadbalancer_apiserver_port', source: localPort.source, value: localPort.value, status: 'ignored', detail: 'no localhost proxy with this load balancer' });
    else if (Number(localPort.value) === DEFAULTS.controlPlane.port) mapped('loadbalancer_apiserver_port', 'the localhost proxy listens on 127.0.0.1:6443');
    else unsupported('loadbalancer_apiserver_port', "kspray's localhost proxy listens on 127.0.0.1:6443");
  }
  if (vipAddress && controlPlane.loadBalancer !== 'kube-vip') unsupported('kube_vip_address', 'kube-vip is not enabled');

  // ---- etcd: Kubespray's default etcd_deployment_type is host (systemd etcd on the etcd hosts).
  const etcdType = get('etcd_deployment_type');
  const etcdTypeValue = etcdType ? String(etcdType.value) : 'host';
  const etcdOnControlPlanes = etcdHosts.length === 0 || sameSet(etcdHosts, cps);
  if (etcdOnControlPlanes) {
    etcd.topology = 'stacked';
    const detail =
      etcdTypeValue === 'kubeadm'
        ? 'etcd.topology: stacked'
        : `etcd.topology: stacked: the etcd hosts are the control planes; Kubespray runs etcd there as a ${etcdTypeValue === 'docker' ? 'container' : 'systemd service'}, kspray as kubeadm static pods (same members; an existing cluster's etcd data is not migrated)`;
    if (etcdType) mapped('etcd_deployment_type', detail);
    else report.push({ variable: 'etcd_deployment_type', source: '', status: 'defaulted', detail: `Kubespray's default host; ${detail}` });
  } else {
    etcd.topology = 'external';
    const detail = 'etcd.topology: external (the etcd group differs from kube_control_plane); not implemented yet: kspray validate refuses it';
    if (etcdType) unsupported('etcd_deployment_type', detail);
    else report.push({ variable: 'etcd_deployment_type', source: '', status: 'unsupported', detail: `Kubespray's default host; ${detail}` });
  }

  // ---- runtime, network, DNS, addons
  field('container_manager', `containerRuntime.name defaults to ${DEFAULTS.containerRuntime.name} (same as Kubespray)`, (value) => {
    const name = value === 'crio' ? 'cri-o' : String(value);
    if (name === 'containerd' || name === 'cri-o') {
      runtime.name = name;
      mapped('container_manager', `containerRuntime.name${name === 'cri-o' ? ': cri-o (the version of the kubernetes minor, as Kubespray crio_version)' : ''}`);
    } else unsupported('container_manager', `"${name}" has no kspray equivalent (containerd or cri-o)`);
  });
  field('kube_network_plugin', `network.plugin defaults to ${DEFAULTS.network.plugin} (same as Kubespray)`, (value) => {
    const plugin = value === 'cni' || value === 'custom_cni' ? 'none' : String(value);
    if ((NETWORK_PLUGINS as readonly string[]).includes(plugin)) {
      network.plugin = plugin;
      mapped('kube_network_plugin', `network.plugin: ${plugin}${plugin !== value ? ' (you install the CNI)' : ''}`);
    } else unsupported('kube_network_plugin', `"${plugin}" has no kspray equivalent (${NETWORK_PLUGINS.join(', ')}); REVIEW: the spec falls back to calico`);
  });
  // Settings of the plugin the cluster runs; another plugin's are ignored (kspray refuses them).
  const plugin = String(network.plugin ?? DEFAULTS.network.plugin);
  const otherPlugin = (name: string, owner: string) => {
    const v = get(name);
    if (v && plugin !== owner) report.push({ variable: name, source: v.source, value: v.value, status: 'ignored', detail: `${owner} setting, and the cluster runs ${plugin}` });
    return v && plugin === owner ? v : undefined;
  };
  const multus = get('kube_network_plugin_multus');
  if (multus && !isTemplate(multus.value)) {
    if (multus.value === true && plugin !== 'none') {
      network.multus = true;
      mapped('kube_network_plugin_multus', 'network.multus: true');
    } else if (multus.value === true) unsupported('kube_network_plugin_multus', 'Multus needs a network plugin (network.plugin is none)');
    else mapped('kube_network_plugin_multus', 'false: no multus');
  }
  const kpr = otherPlugin('cilium_kube_proxy_replacement', 'cilium');
  if (kpr && !isTemplate(kpr.value)) {
    if (kpr.value === true || kpr.value === 'true' || kpr.value === 'strict') {
      network.cilium = { ...(network.cilium as object), kubeProxyReplacement: true };
      mapped('cilium_kube_proxy_replacement', 'network.cilium.kubeProxyReplacement: true');
    } else if (kpr.value === false || kpr.value === 'false' || kpr.value === 'disabled') {
      report.push({ variable: 'cilium_kube_proxy_replacement', source: kpr.source, value: kpr.value, status: 'ignored', detail: 'kube-proxy kept (kspray default)' });
    } else unsupported('cilium_kube_proxy_replacement', `"${String(kpr.value)}": kspray has on (true) or off (false)`);
  }
  const tunnel = otherPlugin('cilium_tunnel_mode', 'cilium');
  if (tunnel && !isTemplate(tunnel.value)) {
    if (tunnel.value === 'vxlan' || tunnel.value === 'geneve') {
      network.cilium = { ...(network.cilium as object), tunnel: tunnel.value };
      mapped('cilium_tunnel_mode', `network.cilium.tunnel: ${tunnel.value}`);
    } else unsupported('cilium_tunnel_mode', `"${String(tunnel.value)}": kspray's Cilium always tunnels (vxlan or geneve)`);
  }
  // Calico encapsulation: Kubespray's calico_network_backend (vxlan by default) and pool modes.
  const backend = otherPlugin('calico_network_backend', 'calico');
  const vxlanMode = otherPlugin('calico_vxlan_mode', 'calico');
  const ipipMode = otherPlugin('calico_ipip_mode', 'calico');
  if (backend || vxlanMode || ipipMode) {
    const on = (v: typeof vxlanMode) => v !== undefined && (v.value === 'Always' || v.value === 'CrossSubnet');
    const encapsulation =
      backend?.value === 'none'
        ? 'none'
        : on(vxlanMode)
          ? 'vxlan'
          : on(ipipMode)
            ? 'ipip'
            : vxlanMode || backend?.value === 'bird'
              ? 'none' // VXLAN explicitly off, or BGP without IPIP: routed pod traffic
              : 'vxlan'; // Kubespray's default: the vxlan backend with calico_vxlan_mode Always
    network.calico = { encapsulation };
    for (const [name, v] of [['calico_network_backend', backend], ['calico_vxlan_mode', vxlanMode], ['calico_ipip_mode', ipipMode]] as const) {
      if (!v) continue;
      if (v.value === 'CrossSubnet') unsupported(name, `CrossSubnet: kspray encapsulates all traffic (network.calico.encapsulation: ${encapsulation})`);
      else mapped(name, `network.calico.encapsulation: ${encapsulation}`);
    }
  }
  const vethMtu = otherPlugin('calico_veth_mtu', 'calico') ?? otherPlugin('calico_mtu', 'calico');
  if (vethMtu && !isTemplate(vethMtu.value) && Number(vethMtu.value) > 0) {
    network.mtu = Number(vethMtu.value);
    mapped(vars.get('calico_veth_mtu') ? 'calico_veth_mtu' : 'calico_mtu', 'network.mtu');
  }
  const autoRenew = get('auto_renew_certificates');
  if (autoRenew) {
    if (autoRenew.value === true) unsupported('auto_renew_certificates', 'no timer on the nodes: run `kspray certs check` from monitoring and `kspray certs renew` before expiry');
    else report.push({ variable: 'auto_renew_certificates', source: autoRenew.source, value: autoRenew.value, status: 'ignored', detail: 'disabled; see `kspray certs check|renew`' });
  }
  const etcdDataDir = get('etcd_data_dir');
  if (etcdDataDir) {
    if (etcdDataDir.value === '/var/lib/etcd') mapped('etcd_data_dir', "kubeadm's etcd data directory is /var/lib/etcd too");
    else unsupported('etcd_data_dir', "kspray's etcd data directory is /var/lib/etcd");
  }
  field('dns_mode', 'CoreDNS (same as Kubespray)', (value) => {
    if (value === 'coredns') mapped('dns_mode', 'CoreDNS (kubeadm)');
    else unsupported('dns_mode', `"${String(value)}": kspray always deploys CoreDNS (kubeadm's)`);
  });
  field('enable_nodelocaldns', `addons.nodeLocalDNS defaults to ${DEFAULTS.addons.nodeLocalDNS} (same as Kubespray)`, (value) => {
    addons.nodeLocalDNS = value === true;
    mapped('enable_nodelocaldns', 'addons.nodeLocalDNS');
  });
  const nodelocalIp = get('nodelocaldns_ip');
  if (nodelocalIp) {
    if (nodelocalIp.value === DEFAULTS.addons.nodeLocalDNSAddress) mapped('nodelocaldns_ip', 'kspray uses 169.254.25.10');
    else unsupported('nodelocaldns_ip', `kspray's nodelocaldns address is fixed at ${DEFAULTS.addons.nodeLocalDNSAddress}`);
  }
  field('metrics_server_enabled', `addons.metricsServer defaults to ${DEFAULTS.addons.metricsServer} (same as Kubespray)`, (value) => {
    addons.metricsServer = value === true;
    mapped('metrics_server_enabled', 'addons.metricsServer');
  });
  importAddons(addons, { get, mapped, unsupported, defaulted });
  field('kube_encrypt_secret_data', "kspray always encrypts Secrets at rest (Kubespray's default is false)", (value) => {
    if (value === true) mapped('kube_encrypt_secret_data', 'kspray always encrypts Secrets at rest (secretbox)');
    else unsupported('kube_encrypt_secret_data', 'kspray always encrypts Secrets at rest; it cannot be turned off');
  });
  const encAlg = get('kube_encryption_algorithm');
  if (encAlg) (encAlg.value === 'secretbox' ? mapped : unsupported)('kube_encryption_algorithm', encAlg.value === 'secretbox' ? 'secretbox' : 'kspray uses secretbox');
  field('files_repo', 'no files mirror: downloads come from the upstream URLs (sha256-verified)', (value) => {
    artifacts.mirror = String(value);
    mapped('files_repo', 'artifacts.mirror (laid out like Kubespray files_repo)');
  });
  field('registry_host', 'no registry mirror: images come from their upstream registries', (value) => {
    artifacts.registry = String(value);
    mapped('registry_host', 'artifacts.registry');
  });

  // Application addons (docs/addons.md): Argo CD maps as is; cert-manager and MetalLB need what a
  // Kubespray inventory does not hold (the sha256 of upstream's manifest; MetalLB's pools).
  if (get('argocd_enabled')?.value === true) {
    addons.argocd = true;
    mapped('argocd_enabled', "addons.argocd (Kubespray's argocd_version, checksum-verified)");
  }
  for (const [variable, key, needs] of [
    ['cert_manager_enabled', 'certManager', 'manifestSha256'],
    ['metallb_enabled', 'metallb', 'manifestSha256 and addressPools (from metallb_config.address_pools)'],
  ] as const) {
    if (get(variable)?.value === true) unsupported(variable, `write addons.${key} by hand with its ${needs} (docs/addons.md)`);
  }

  // ---- every other variable
  for (const [name, v] of vars) {
    // Handled above, or read but not acted on (e.g. a domain name without a load balancer): the
    // generic classification below still reports it, so no variable goes unmentioned.
    if (report.some((e) => e.variable === name)) continue;
    if (name.startsWith('ansible_')) report.push({ variable: name, source: v.source, value: v.value, status: 'ignored', detail: 'Ansible connection setting: kspray never connects to nodes' });
    else if (IGNORED.has(name)) report.push({ variable: name, source: v.source, value: v.value, status: 'ignored', detail: IGNORED.get(name)! });
    else if (v.value === false && name.endsWith('_enabled')) report.push({ variable: name, source: v.source, value: v.value, status: 'ignored', detail: 'disabled; kspray does not deploy it either' });
    else report.push({ variable: name, source: v.source, value: v.value, status: 'unsupported', detail: 'no kspray equivalent yet' });
  }

  // ---- nodes: control planes in inventory order (the first one runs kubeadm init, as Kubespray's
  // first kube_control_plane host does), then etcd-only hosts, then workers.
  const order = [...cps, ...(etcd.topology === 'external' ? etcdHosts : []), ...workers].filter((h, i, all) => all.indexOf(h) === i);
  const nodes = order.map((host) => {
    const hv = inv.hosts.get(host) ?? {};
    const addressVar = ['ip', 'access_ip', 'ansible_host'].find((k) => hv[k] !== undefined && hv[k] !== '');
    if (!addressVar) throw inputError(messages.hostWithoutAddress(host, inventoryFile));
    const node: Record<string, unknown> = { name: host, address: String(hv[addressVar]) };
    const roles: string[] = [];
    if (cps.includes(host)) roles.push('control-plane');
    if (cps.includes(host) ? etcd.topology === 'stacked' || etcdHosts.includes(host) : etcdHosts.includes(host)) roles.push('etcd');
    if (workers.includes(host)) roles.push('worker');
    for (const [k, value] of Object.entries(hv)) {
      const variable = `${host}: ${k}`;
      if (k === addressVar) report.push({ variable, source: inventoryFile, value, status: 'mapped', detail: 'address' });
      else if (k === 'ip' || k === 'access_ip' || k === 'ansible_host') report.push({ variable, source: inventoryFile, value, status: 'ignored', detail: `${addressVar} is the node address` });
      else if (k.startsWith('ansible_')) report.push({ variable, source: inventoryFile, value, status: 'ignored', detail: 'Ansible connection setting' });
      else if (k === 'node_labels' && isRecord(value)) {
        node.labels = Object.fromEntries(Object.entries(value).map(([lk, lv]) => [lk, String(lv)]));
        report.push({ variable, source: inventoryFile, value, status: 'mapped', detail: 'labels' });
      } else if (k === 'node_taints' && Array.isArray(value) && value.every((t) => typeof t === 'string' && TAINT.test(t))) {
        node.taints = value.map((t: string) => {
          const m = TAINT.exec(t)!;
          return { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect: m[3]! };
        });
        report.push({ variable, source: inventoryFile, value, status: 'mapped', detail: 'taints' });
      } else if (k === 'etcd_member_name') report.push({ variable, source: inventoryFile, value, status: 'ignored', detail: 'kspray names etcd members after their nodes' });
      else report.push({ variable, source: inventoryFile, value, status: 'unsupported', detail: 'host variable with no kspray equivalent' });
    }
    const { name, address, ...rest } = node;
    return { name, address, roles, ...rest };
  });
  report.push({ variable: 'os', source: '', status: 'defaulted', detail: `Kubespray inventories do not say: every node gets os: ${DEFAULTS.node.os}; set os per node` });

  const spec: Record<string, unknown> = {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata: { name: options.name },
    spec: pruneEmpty({
      kubernetes: k8s,
      controlPlane,
      etcd,
      containerRuntime: runtime,
      network,
      addons,
      artifacts,
      nodes,
    }),
  };
  return { spec, report, inventoryFile };
}

function pruneEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => !(isRecord(v) && Object.keys(v).length === 0)));
}

/** A DNS-1123 label from the inventory directory name (inventory/mycluster → mycluster). */
export function clusterNameFromDir(dir: string): string {
  const base = dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  const name = base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return name || 'imported';
}

/** cluster.yaml text: built as objects, a header comment with the REVIEW list, nodes in flow style. */
export function importToYaml(result: ImportResult, dir: string): string {
  const doc = new Document(result.spec);
  const review = result.report.filter((r) => r.status === 'unsupported');
  const header = [
    ` Imported by kspray import kubespray from ${dir}/${result.inventoryFile} and its group_vars.`,
    ' Check it with: kspray validate -f cluster.yaml; the full variable report went to stderr.',
    ...(review.length
      ? [' REVIEW (Kubespray settings kspray does not support; see the report):', ...review.map((r) => `   ${r.variable}: ${r.detail}`)]
      : []),
  ];
  doc.commentBefore = header.join('\n');
  const version = doc.getIn(['spec', 'kubernetes', 'version'], true);
  if (version instanceof Scalar) version.type = Scalar.QUOTE_DOUBLE;
  const nodes = doc.getIn(['spec', 'nodes'], true);
  if (isSeq(nodes)) for (const n of nodes.items) if (isMap(n)) n.flow = true;
  return doc.toString({ lineWidth: 0 });
}

export function formatReport(report: ReportEntry[]): string {
  const order: ReportStatus[] = ['mapped', 'defaulted', 'ignored', 'unsupported'];
  const lines: string[] = [];
  for (const status of order) {
    const entries = report.filter((r) => r.status === status);
    if (!entries.length) continue;
    lines.push(`${status} (${entries.length}):`);
    for (const e of entries) {
      const value = e.value === undefined ? '' : ` = ${JSON.stringify(e.value)}`;
      const source = e.source ? ` [${e.source}]` : '';
      lines.push(`  ${e.variable}${value}${source}: ${e.detail}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
