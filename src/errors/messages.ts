// Every message kspray shows a user lives here, so wording stays consistent and reviewable.
// Each returns { rule, message, hint }; callers add the spec path.
import { formatSpecPath, type SpecPath } from './errors.js';

export type Msg = { rule: string; message: string; hint?: string };
/** Control characters escaped, so a newline in a user's value cannot forge lines of output. */
const printable = (s: string) => JSON.stringify(s).slice(1, -1);
const at = (path: SpecPath) => (path.length ? formatSpecPath(path) : 'the document');

/**
 * Kubespray addons kspray does not offer on purpose, keyed by their name without separators: a user
 * coming from Kubespray gets the reason instead of a bare "unknown key" (api/v1alpha1/knownKeys.ts
 * looks them up).
 */
export const withdrawnAddonReasons: Readonly<Record<string, string>> = {
  ingressnginx:
    'ingress-nginx is retired upstream and Kubespray removed its role (kubernetes-sigs/kubespray#12767), so there is no pinned version to install: deploy a maintained ingress or Gateway API controller with helm (addons.helm: true) after the cluster is up. See docs/addons.md.',
};

export const messages = {
  // --- spec/ (syntax and shape) ---
  yamlSyntax: (detail: string): Msg => ({ rule: 'yaml-syntax', message: `YAML syntax error: ${detail}`, hint: 'Fix the YAML at this position.' }),
  notAMapping: (): Msg => ({
    rule: 'not-a-mapping',
    message: 'the spec must be a YAML mapping with apiVersion, kind, metadata and spec',
    hint: 'Run `kspray init` for a commented starter cluster.yaml.',
  }),
  unsupportedApiVersion: (found: string): Msg => ({
    rule: 'api-version',
    message: `apiVersion "${found}" is not supported`,
    hint: 'Use apiVersion: kspray.dev/v1alpha1.',
  }),
  /** `near`: what the schema allows at `parent`, the closest of those to `key`, why kspray withdrew it. */
  unknownKey: (key: string, parent: SpecPath, near: { known: string[]; guess?: string; withdrawn?: string }): Msg => ({
    rule: 'unknown-key',
    message: `unknown key "${key}" in ${at(parent)}`,
    hint: near.withdrawn ?? (near.guess ? `Did you mean "${near.guess}"?` : near.known.length ? `Allowed keys: ${near.known.join(', ')}.` : 'Remove it.'),
  }),
  invalidValue: (path: SpecPath, allowed: string[], input?: unknown): Msg => ({
    rule: 'invalid-value',
    message:
      input === undefined
        ? `${at(path)} is missing`
        : `invalid value ${input !== null && typeof input === 'object' ? describe(input) : JSON.stringify(input)} for ${at(path)}`,
    hint: `Use one of: ${allowed.join(', ')}.`,
  }),
  invalidType: (path: SpecPath, expected: string, input: unknown): Msg => ({
    rule: 'invalid-type',
    message: `${at(path)} must be ${expected === 'array' ? 'a list' : expected === 'object' ? 'a mapping' : `a ${expected}`}${input === undefined ? ' and is missing' : `, not ${describe(input)}`}`,
    hint:
      expected === 'string' && typeof input === 'number'
        ? 'Quote the value (e.g. "1.35.4"): unquoted YAML numbers lose digits.'
        : input === undefined
          ? 'Add it.'
          : undefined,
  }),
  invalidField: (path: SpecPath, detail: string): Msg => ({ rule: 'invalid-field', message: `${at(path)}: ${detail}` }),
  // --- model/ rules (rule names match model/rules.ts) ---
  notDns1123: (name: string): Msg => ({
    rule: 'dns1123-name',
    message: `"${name}" is not a valid DNS-1123 label`,
    hint: 'Use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit.',
  }),
  badCidr: (field: string, text: string, family?: 'IPv4' | 'IPv6'): Msg => ({
    rule: 'valid-cidr',
    message: `${field} "${text}" is not ${family ? `an ${family} CIDR` : 'an IPv4 or IPv6 CIDR'} (network/prefix)`,
    hint:
      family === 'IPv6'
        ? 'Write it as network/prefix, e.g. fd85:ee78:d8a6:8607::1:0/112.'
        : 'Write it as network/prefix, e.g. 10.233.64.0/18, or for dual-stack one IPv4 and one IPv6 CIDR separated by a comma.',
  }),
  cidrHostBits: (field: string, text: string, family: 'IPv4' | 'IPv6', network: string): Msg => ({
    rule: 'valid-cidr',
    message: `${field} "${text}" has host bits set: the ${family} network with that prefix is ${network}`,
    hint: `Write ${network}, or a longer prefix if you meant a smaller range.`,
  }),
  cidrOverlap: (svc: string, pod: string, family: 'IPv4' | 'IPv6' = 'IPv4'): Msg => ({
    rule: 'cidr-overlap',
    message: `${family} podSubnet ${pod} overlaps serviceSubnet ${svc}`,
    hint:
      family === 'IPv6'
        ? "Pick disjoint ranges, e.g. Kubespray's fd85:ee78:d8a6:8607::1000/116 (services) and fd85:ee78:d8a6:8607::1:0/112 (pods)."
        : "Pick disjoint ranges, e.g. Kubespray's 10.233.0.0/18 (services) and 10.233.64.0/18 (pods).",
  }),
  nodeCidrTooBig: (mask: number, prefix: number, family: 'IPv4' | 'IPv6' = 'IPv4'): Msg => ({
    rule: 'node-cidr-fits-pod-subnet',
    message: `${family === 'IPv6' ? 'nodeCidrMaskSizeIPv6' : 'nodeCidrMaskSize'} /${mask} is not smaller than the ${family} pod subnet /${prefix}`,
    hint: `Use a mask size greater than ${prefix}, or a bigger ${family} podSubnet.`,
  }),
  badAddress: (text: string, family?: 'IPv4' | 'IPv6'): Msg => ({
    rule: 'valid-address',
    message: `"${text}" is not ${family ? `an ${family} address` : 'an IPv4 or IPv6 address'}`,
    hint:
      family === 'IPv6'
        ? 'Write it as an IPv6 address without zone or prefix, e.g. fd00:10::11 (IPv4-mapped ::ffff:a.b.c.d: write the IPv4 address).'
        : 'Write it as a.b.c.d (no leading zeros), an IPv6 address (fd00:10::11), or for dual-stack both separated by a comma.',
  }),
  addressInClusterSubnet: (addr: string, field: string, cidr: string): Msg => ({
    rule: 'address-outside-cluster-subnets',
    message: `node address ${addr} is inside ${field} ${cidr}`,
    hint: 'Node addresses must be outside the pod and service subnets; change the address or the subnet.',
  }),
  duplicateName: (name: string, firstAt: string): Msg => ({
    rule: 'unique-node-names',
    message: `node or pool name "${name}" is used twice (first at ${firstAt})`,
    hint: 'Give every node and pool its own name.',
  }),
  duplicateAddress: (addr: string, first: string): Msg => ({
    rule: 'unique-addresses',
    message: `address ${addr} is used twice (first by ${first})`,
    hint: 'Give every node its own address.',
  }),
  noControlPlane: (): Msg => ({
    rule: 'has-control-plane',
    message: 'no node has the control-plane role',
    hint: 'Add roles: [control-plane] to at least one node (three for HA).',
  }),
  controlPlaneInPool: (pool: string): Msg => ({
    rule: 'control-plane-has-fixed-address',
    message: `pool "${pool}" has the control-plane or etcd role`,
    hint: 'Control-plane and etcd nodes need a fixed name and address: declare them under spec.nodes.',
  }),
  etcdRoleWithoutControlPlane: (name: string): Msg => ({
    rule: 'stacked-etcd-on-control-plane',
    message: `node "${name}" has the etcd role without control-plane, but etcd.topology is stacked`,
    hint: 'With stacked etcd every control-plane node is an etcd member: give it control-plane too, or use etcd.topology: external.',
  }),
  evenEtcd: (count: number): Msg => ({
    rule: 'odd-etcd-members',
    message: `${count} etcd members: an even count tolerates no more failures than one fewer`,
    hint: `Use ${count - 1} or ${count + 1} etcd members (control-plane nodes with stacked etcd, etcd-role nodes with external etcd).`,
  }),
  unknownKubernetesVersion: (v: string, known: string[]): Msg => ({
    rule: 'known-kubernetes-version',
    message: `kubernetes version "${v}" has no checksums in the catalog`,
    hint: `Use one of: ${known.join(', ')}.`,
  }),
  // --- application addons (model/rules.ts, catalog/appAddons.ts) ---
  addonManifestChecksum: (addon: string, version: string, url: string, written?: string): Msg => ({
    rule: 'addon-manifest-checksum',
    message:
      written === undefined
        ? `addons.${addon} needs manifestSha256: Kubespray's data has no checksum for ${addon} ${version}, and kspray never applies an unverified download`
        : `addons.${addon}.manifestSha256 "${written}" is not a sha256 (64 hex digits)`,
    hint: `Check the release manifest you trust and set its sha256: curl -fsSL ${url} | sha256sum`,
  }),
  metallbNoPools: (): Msg => ({
    rule: 'metallb-address-pools',
    message: 'addons.metallb has no address pools: MetalLB would have no addresses to give LoadBalancer Services',
    hint: 'Add addressPools: [{ name: default, addresses: [10.0.0.200-10.0.0.220] }] with addresses of the nodes\' network that nothing else uses.',
  }),
  metallbPoolEmpty: (pool: string): Msg => ({
    rule: 'metallb-address-pools',
    message: `MetalLB address pool "${pool}" has no addresses`,
    hint: 'List IPv4 CIDRs (10.0.0.192/28) or ranges (10.0.0.200-10.0.0.220).',
  }),
  metallbBadAddress: (text: string): Msg => ({
    rule: 'metallb-address-pools',
    message: `"${text}" is not a CIDR or a range first-last (one family, first <= last)`,
    hint: 'Write 10.0.0.192/28 (host bits zero) or 10.0.0.200-10.0.0.220; IPv6 likewise: fd00:10::100/124 or fd00:10::100-fd00:10::1ff.',
  }),
  metallbDuplicatePool: (pool: string): Msg => ({
    rule: 'metallb-address-pools',
    message: `MetalLB address pool name "${pool}" is used twice`,
    hint: 'Give every pool its own name: each becomes an IPAddressPool object.',
  }),
  metallbPoolInClusterSubnet: (text: string, field: string, cidr: string): Msg => ({
    rule: 'metallb-pools-outside-cluster-subnets',
    message: `MetalLB addresses ${text} overlap ${field} ${cidr}`,
    hint: 'LoadBalancer addresses must come from the nodes\' network, outside the pod and service subnets.',
  }),
  metallbPoolHasNodeAddress: (text: string, what: string): Msg => ({
    rule: 'metallb-pools-exclude-node-addresses',
    message: `MetalLB addresses ${text} include ${what}`,
    hint: 'Give MetalLB addresses nothing else uses: leave the nodes and the API endpoint out of its pools.',
  }),
  kubeProxyReplacementNeedsCilium: (plugin: string): Msg => ({
    rule: 'kube-proxy-replacement-needs-cilium',
    message: `kubeProxyReplacement needs network.plugin: cilium, not ${plugin}`,
    hint: 'Set network.plugin: cilium, or remove network.cilium.kubeProxyReplacement (kube-proxy then serves Services).',
  }),
  pluginSettingsMismatch: (settingsFor: string, plugin: string): Msg => ({
    rule: 'plugin-settings-match-plugin',
    message: `network.${settingsFor} settings have no effect with network.plugin: ${plugin}`,
    hint: `Set network.plugin: ${settingsFor}, or remove the network.${settingsFor} block.`,
  }),
  multusNeedsPlugin: (): Msg => ({
    rule: 'multus-needs-plugin',
    message: 'multus needs a network plugin to delegate the default pod network to, and network.plugin is none',
    hint: 'Choose a plugin (calico, cilium, flannel, kube-router), or remove network.multus.',
  }),
  mtuTooBigForTunnel: (mtu: number, tunnel: string, overhead: number, hostMax: number): Msg => ({
    rule: 'mtu-fits-encapsulation',
    message: `network.mtu ${mtu} plus the ${overhead}-byte ${tunnel} header exceeds the largest host MTU, ${hostMax}`,
    hint: `Use at most ${hostMax - overhead}, and at most your node interface MTU minus ${overhead}.`,
  }),
  proxyModeWithoutKubeProxy: (mode: string): Msg => ({
    rule: 'proxy-mode-needs-kube-proxy',
    message: `kubernetes.proxyMode: ${mode} has no effect: with Cilium's kubeProxyReplacement there is no kube-proxy`,
    hint: 'Remove kubernetes.proxyMode, or set network.cilium.kubeProxyReplacement: false.',
  }),
  externalNeedsEndpoint: (): Msg => ({
    rule: 'external-lb-needs-endpoint',
    message: 'loadBalancer: external needs controlPlane.endpoint (the load balancer address)',
    hint: 'Set controlPlane.endpoint to the LB DNS name or IP, e.g. api.example.com:6443.',
  }),
  badEndpoint: (text: string): Msg => ({
    rule: 'valid-endpoint',
    message: `controlPlane.endpoint "${text}" is not host or host:port`,
    hint: 'Use a DNS name, an IPv4 address or an IPv6 address in brackets, with an optional port, e.g. api.example.com:6443 or [fd00:10::100]:6443.',
  }),
  // --- IPv6 and dual-stack (model/addressRules.ts, model/stack.ts) ---
  tooManyCidrs: (field: string, text: string): Msg => ({
    rule: 'valid-cidr',
    message: `${field} "${text}" has more than two CIDRs`,
    hint: 'Write one CIDR, or for dual-stack one IPv4 and one IPv6 CIDR separated by a comma.',
  }),
  twoCidrsOneFamily: (field: string, text: string, family: 'IPv4' | 'IPv6'): Msg => ({
    rule: 'valid-cidr',
    message: `${field} "${text}" has two ${family} CIDRs: a dual-stack pair is one IPv4 and one IPv6 CIDR`,
    hint: `Keep one ${family} CIDR (a bigger one if you need more addresses), and add the other family's CIDR for dual-stack.`,
  }),
  subnetFamiliesDiffer: (svc: string, svcFamilies: string, pod: string, podFamilies: string): Msg => ({
    rule: 'subnet-families-match',
    message: `podSubnet "${pod}" is ${podFamilies} but serviceSubnet "${svc}" is ${svcFamilies}`,
    hint: 'Give both subnets the same families in the same order (the first is the primary family): both IPv4, both IPv6, or both an IPv4,IPv6 pair.',
  }),
  nodeCidrTooManyNodes: (mask: number, prefix: number): Msg => ({
    rule: 'node-cidr-fits-pod-subnet',
    message: `nodeCidrMaskSizeIPv6 /${mask} is more than 16 bits longer than the IPv6 pod subnet /${prefix}: kube-controller-manager refuses to start with that ("CIDRSet subnet mask size too big")`,
    hint: `Use a mask size of at most ${prefix + 16}, or a longer IPv6 podSubnet prefix (at least /${mask - 16}).`,
  }),
  maskWithoutFamily: (field: string, family: 'IPv4' | 'IPv6', podSubnet: string): Msg => ({
    rule: 'node-cidr-mask-family',
    message: `${field} sizes ${family} pod ranges, but podSubnet "${podSubnet}" has no ${family} CIDR`,
    hint:
      family === 'IPv4'
        ? 'Remove it (IPv6 pod ranges are sized by nodeCidrMaskSizeIPv6), or add an IPv4 CIDR to podSubnet and serviceSubnet for dual-stack.'
        : 'Remove it (IPv4 pod ranges are sized by nodeCidrMaskSize), or add an IPv6 CIDR to podSubnet and serviceSubnet for dual-stack.',
  }),
  tooManyAddresses: (text: string): Msg => ({
    rule: 'valid-address',
    message: `address "${text}" has more than two addresses`,
    hint: 'Write one address, or for a dual-stack node one IPv4 and one IPv6 address separated by a comma.',
  }),
  twoAddressesOneFamily: (text: string, family: 'IPv4' | 'IPv6'): Msg => ({
    rule: 'valid-address',
    message: `address "${text}" has two ${family} addresses: a dual-stack node has one IPv4 and one IPv6 address`,
    hint: `Keep the ${family} address the cluster should use, and add the node's address of the other family for dual-stack.`,
  }),
  addressFamilyNotInCluster: (addr: string, family: 'IPv4' | 'IPv6', clusterFamilies: string): Msg => ({
    rule: 'address-family-matches-cluster',
    message: `node address ${addr} is an ${family} address, but the cluster is ${clusterFamilies}-only: serviceSubnet and podSubnet have no ${family} CIDR`,
    hint: `Give the node its ${clusterFamilies} address, or add an ${family} CIDR to both serviceSubnet and podSubnet to make the cluster dual-stack.`,
  }),
  dualStackNodeNeedsBoth: (addr: string, missing: 'IPv4' | 'IPv6', order: string): Msg => ({
    rule: 'address-family-matches-cluster',
    message: `node address "${addr}" has no ${missing} address, but the cluster is dual-stack: kubelet (--node-ip) and the network plugin need the node's address of each family`,
    hint: `Write both, in the cluster's order (${order}), e.g. "10.0.0.11,fd00:10::11".`,
  }),
  addressOrder: (addr: string, order: string): Msg => ({
    rule: 'address-family-matches-cluster',
    message: `node address "${addr}" lists its families in another order than serviceSubnet and podSubnet (${order})`,
    hint: `Write the ${order.split(',')[0]} address first: the first family is the primary one for the node as for the cluster.`,
  }),
  endpointNeedsBrackets: (text: string): Msg => ({
    rule: 'valid-endpoint',
    message: `controlPlane.endpoint "${text}" is an IPv6 address without brackets: its last group cannot be told apart from a port`,
    hint: `Write it in brackets: "[${text}]" or "[${text}]:6443".`,
  }),
  endpointFamilyNotInCluster: (host: string, family: 'IPv4' | 'IPv6', clusterFamilies: string): Msg => ({
    rule: 'kube-vip-needs-vip',
    message: `kube-vip's virtual IP ${host} is an ${family} address, but the control planes have only ${clusterFamilies} addresses`,
    hint: `Pick a free ${clusterFamilies} address in the control planes' subnet: kube-vip announces it on their interface.`,
  }),
  calicoBlockSizeWithoutIPv4: (size: number): Msg => ({
    rule: 'calico-block-fits-pods',
    message: `network.calico.blockSize /${size} sizes Calico's IPv4 blocks, but this cluster is IPv6-only`,
    hint: "Remove it: the IPv6 pool uses Calico's default block size, /122.",
  }),
  awsIPv6Address: (node: string, address: string): Msg => ({
    rule: 'aws-node-address',
    message: `node "${node}" has the IPv6 address ${address}: kspray aws apply assigns only the IPv4 private address (RunInstances PrivateIpAddress), so the instance would not get it`,
    hint: 'Launch IPv6 and dual-stack nodes yourself (render --provider aws gives the user data), or use an IPv4 cluster with kspray aws apply.',
  }),
  ciliumTunnelNeedsIPv4: (tunnel: string): Msg => ({
    rule: 'network-plugin-ip-families',
    message: `Cilium's ${tunnel} tunnel needs an IPv4 network between the nodes (docs.cilium.io: routing, cilium/cilium#17240), but this cluster is IPv6-only`,
    hint: 'Use network.plugin: calico (VXLAN over IPv6), flannel or kube-router for an IPv6-only cluster, or make the cluster dual-stack to keep Cilium.',
  }),
  calicoIpipIPv6: (families: string): Msg => ({
    rule: 'network-plugin-ip-families',
    message: `Calico's IP-in-IP encapsulation carries only IPv4, but this cluster is ${families}: IPv6 pod traffic between nodes would have no tunnel`,
    hint: 'Use network.calico.encapsulation: vxlan (IPv4 and IPv6), or none on a network that routes the pod subnets.',
  }),
  // --- model/runtimeRules.ts (container runtime) ---
  unknownRuntimeVersion: (runtime: string, v: string, arch: string, nearby: string[]): Msg => ({
    rule: 'runtime-version',
    message: `${runtime} version "${v}" has no ${arch} checksum in the catalog`,
    hint: `Use a catalog version, e.g. ${nearby.join(', ')}; or leave containerRuntime.version out for the default.`,
  }),
  crioMinorMismatch: (crio: string, kubernetes: string, sameMinor: string[]): Msg => ({
    rule: 'crio-matches-kubernetes',
    message: `cri-o ${crio} does not match kubernetes ${kubernetes}: cri-o's minor must equal kubernetes' minor`,
    hint: sameMinor.length
      ? `Use a cri-o of the same minor (${sameMinor.join(', ')}), or leave containerRuntime.version out.`
      : 'Change kubernetes.version to the minor of this cri-o, or leave containerRuntime.version out.',
  }),
  noCrioForMinor: (kubernetes: string, minors: string[]): Msg => ({
    rule: 'crio-matches-kubernetes',
    message: `the catalog has no cri-o for kubernetes ${kubernetes} (cri-o follows the kubernetes minors)`,
    hint: `Use a kubernetes version of a minor cri-o has (${minors.join(', ')}), or containerRuntime.name: containerd.`,
  }),
  crioOnImmutableOs: (os: string): Msg => ({
    rule: 'runtime-os',
    message: `cri-o is not available on ${os}`,
    hint:
      os === 'flatcar'
        ? 'Flatcar ships containerd in its read-only /usr: use containerRuntime.name: containerd, or another os for this node.'
        : 'Fedora CoreOS runs SELinux enforcing and the cri-o static bundle needs SELinux labels kspray does not set: use containerd, or another os.',
  }),
  crioOnCgroupV1: (os: string): Msg => ({
    rule: 'runtime-os',
    message: `cri-o is not available on ${os}: it boots cgroup v1, which CRI-O's upstream no longer tests, and Kubespray supports ${os} with containerd only`,
    hint: 'Use containerRuntime.name: containerd (it keeps cgroup v1 maintained), or an OS on cgroup v2 such as rocky-10 for the cri-o nodes.',
  }),
  pinnedContainerdOnFlatcar: (node: string): Msg => ({
    rule: 'runtime-os',
    message: `containerRuntime.version pins containerd, but node or pool "${node}" runs flatcar, which ships its own containerd`,
    hint: 'Leave containerRuntime.version out, or use another os for that node.',
  }),
  duplicateMirrorHost: (host: string): Msg => ({
    rule: 'registry-mirrors',
    message: `registry "${host}" has mirrors listed twice`,
    hint: 'List all endpoints of a registry in one entry, in the order to try them.',
  }),
  defaultMirrorWithCrio: (): Msg => ({
    rule: 'registry-mirrors',
    message: 'host: _default (mirrors for every registry) is containerd-only',
    hint: "cri-o's registries.conf has no catch-all: list each registry (docker.io, registry.k8s.io, quay.io...) as its own host.",
  }),
  defaultMirrorWithRegistry: (): Msg => ({
    rule: 'registry-mirrors',
    message: 'host: _default conflicts with artifacts.registry, which already sends every registry through itself',
    hint: 'Remove one of them: artifacts.registry for an air-gapped registry, or a _default mirror.',
  }),
  // spec.addons (src/model/addonRules.ts)
  badDnsServer: (text: string): Msg => ({
    rule: 'dns-server-address',
    message: `DNS server "${text}" is not an IP address with an optional port`,
    hint: 'Write it as a.b.c.d or a.b.c.d:port (10.0.0.53, 10.0.0.53:5353), or IPv6 as fd00::53 or [fd00::53]:5353.',
  }),
  badDnsZone: (zone: string, clusterDomain: string, reason: 'syntax' | 'cluster' | 'duplicate'): Msg => ({
    rule: 'coredns-zone-name',
    message:
      reason === 'syntax'
        ? `coredns zone "${zone}" is not a DNS name`
        : reason === 'duplicate'
          ? `coredns zone "${zone}" is listed twice`
          : `coredns zone "${zone}" would take over names CoreDNS answers from the cluster (${clusterDomain}, in-addr.arpa, ip6.arpa, or the root)`,
    hint:
      reason === 'cluster'
        ? 'Forward only zones outside the cluster domain; use upstreamServers to change where every other name goes.'
        : reason === 'duplicate'
          ? 'List each zone once, with all its servers.'
          : 'Use dot-separated labels of letters, digits and "-", e.g. corp.example.com.',
  }),
  dnsAutoscalerBounds: (min: number, max: number): Msg => ({
    rule: 'dns-autoscaler-bounds',
    message: `dnsAutoscaler.max ${max} is below dnsAutoscaler.min ${min}`,
    hint: `Raise max to at least ${min}, or lower min.`,
  }),
  registrySizeWithoutClass: (): Msg => ({
    rule: 'registry-size-needs-storage-class',
    message: 'registry.size is set but registry.storageClass is not: without a StorageClass the registry keeps its images in an emptyDir, which has no size',
    hint: 'Add registry.storageClass (e.g. local-path with addons.localPathProvisioner) for a PersistentVolumeClaim of that size, or remove size.',
  }),
  badAddonName: (what: 'namespace' | 'StorageClass', name: string): Msg => ({
    rule: 'addon-object-names',
    message: `${what} name "${name}" is not valid in Kubernetes`,
    hint:
      what === 'namespace'
        ? 'Use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit.'
        : 'Use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (at most 253).',
  }),
  badClaimRoot: (path: string): Msg => ({
    rule: 'local-path-claim-root',
    message: `localPathProvisioner.claimRoot "${path}" is not an absolute directory below /`,
    hint: 'Use an absolute path such as /opt/local-path-provisioner/ (teardown deletes the volume directories under it).',
  }),
  registryClaimWithoutProvisioner: (storageClass: string): Msg => ({
    rule: 'registry-claim-provisioner',
    message: `registry.storageClass is "${storageClass}", the local-path-provisioner's class, but addons.localPathProvisioner is off: the claim would never bind`,
    hint: 'Enable addons.localPathProvisioner, or name a StorageClass the cluster has.',
  }),
  // --- io/ ---
  cannotRead: (path: string, code: string): Msg => ({
    rule: 'cannot-read',
    message: `cannot read ${path} (${code})`,
    hint: code === 'ENOENT' ? 'Check the path, or run `kspray init` to write a starter cluster.yaml.' : undefined,
  }),
  fileExists: (path: string, code: string): Msg => ({
    rule: 'file-exists',
    message: code === 'EEXIST' ? `${path} already exists` : `cannot create ${path} (${code})`,
    hint: code === 'EEXIST' ? 'Choose another path, or remove it first.' : undefined,
  }),
  secretExists: (path: string, code: string): Msg => ({
    rule: 'secret-exists',
    message: `refusing to overwrite ${path} (${code})`,
    hint: 'The secrets bundle is never overwritten; move the file away only if you are sure it is not in use.',
  }),
  // --- reliability: filesystem failures, incomplete bundles, input guard (#15) ---
  fsFailed: (action: string, path: string, reason: string, code: string | undefined): Msg => ({
    rule: 'filesystem',
    message: `cannot ${action} ${path}: ${reason}`,
    hint:
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'Free some space and run the command again: files already in place were left as they were.'
        : code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
          ? 'Choose a writable --out directory (or fix its permissions) and run the command again.'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'A path on the way is a file, not a directory: choose another --out directory.'
            : undefined,
  }),
  bundleIncompleteSetAside: (dir: string, aside: string): Msg => ({
    rule: 'secrets-bundle-incomplete',
    message: `${dir} held an incomplete secrets bundle left by an interrupted first render (never complete, never used by a render); moved it to ${aside} and created a new bundle`,
  }),
  specTooLarge: (found: string, limit: string): Msg => ({
    rule: 'spec-size',
    message: `the spec is too large: ${found} (at most ${limit})`,
    hint: 'A cluster spec is a few kilobytes; check that this is the file you meant, or split what is generated into fewer, larger pools.',
  }),
  specNotText: (codePoint: number): Msg => ({
    rule: 'spec-text',
    message: `the spec contains the control character U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}: it is not a YAML text file`,
    hint: 'Pass the cluster.yaml itself (UTF-8 text), not a binary or compressed file.',
  }),
  specNotUtf8: (): Msg => ({
    rule: 'spec-utf8',
    message: 'the spec is not valid UTF-8 at this position',
    hint: 'Save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8); kubelet and cloud-init read UTF-8 only.',
  }),
  yamlAliasUnresolved: (name: string): Msg => ({
    rule: 'yaml-alias',
    message: `alias *${name} refers to no anchor &${name} before it`,
    hint: `Define &${name} earlier in the file, or write the value out.`,
  }),
  yamlAliasCycle: (name: string): Msg => ({
    rule: 'yaml-alias',
    message: `alias *${name} refers to a node that contains it`,
    hint: 'An alias cannot repeat its own parent; write the value out.',
  }),
  yamlAliasExpansion: (name: string, limit: number): Msg => ({
    rule: 'yaml-alias',
    message: `aliases expand the spec beyond ${limit} YAML nodes (here, at *${name})`,
    hint: 'Aliases that repeat aliases grow exponentially; write the values out instead.',
  }),
  tooManyNodes: (count: number, limit: number): Msg => ({
    rule: 'spec-size',
    message: `${count} nodes and pools; Kubernetes supports clusters of at most ${limit} nodes`,
    hint: 'Use pools (one entry, count: N) for identical nodes.',
  }),
  tooManyLabels: (field: string, count: number, limit: number): Msg => ({
    rule: 'spec-size',
    message: `${count} ${field} on one node (at most ${limit})`,
    hint: `Keep ${field} to what the scheduler and your tooling use; kubelet receives them all on its command line.`,
  }),
  badLabelKey: (key: string, why: string): Msg => ({
    rule: 'label-key',
    message: `label key "${printable(key)}" is not a Kubernetes qualified name: ${why}`,
    hint: 'Use [prefix/]name, e.g. example.com/tier: prefix a DNS subdomain, name up to 63 letters, digits, "-", "_", ".".',
  }),
  badLabelValue: (key: string, value: string, why: string): Msg => ({
    rule: 'label-value',
    message: `label ${printable(key)}: value "${printable(value)}" is not a Kubernetes label value: ${why}`,
    hint: 'Use up to 63 letters, digits, "-", "_" and "." (quote it in YAML if it looks like a number or boolean).',
  }),
  kubeletRefusesLabel: (key: string): Msg => ({
    rule: 'kubelet-label-namespace',
    message: `kubelet refuses to set label "${key}" on its own node (kubernetes.io and k8s.io labels are reserved) and would not start`,
    hint: 'Use your own prefix (example.com/role), a node.kubernetes.io/ or kubelet.kubernetes.io/ label, or set node-role.kubernetes.io/* with kubectl label after the node joined.',
  }),
  badTaintKey: (key: string, why: string): Msg => ({
    rule: 'taint-key',
    message: `taint key "${printable(key)}" is not a Kubernetes qualified name: ${why}`,
    hint: 'Use [prefix/]name, e.g. example.com/dedicated.',
  }),
  badTaintValue: (value: string, why: string): Msg => ({
    rule: 'taint-value',
    message: `taint value "${printable(value)}" is not valid: ${why}`,
    hint: 'Use up to 63 letters, digits, "-", "_" and ".", or leave value out.',
  }),
  badSshKey: (why: string): Msg => ({
    rule: 'ssh-authorized-key',
    message: `not a single-line OpenSSH public key: ${why}`,
    hint: 'Paste one line of ~/.ssh/id_ed25519.pub (type, base64 key, optional comment) per list entry.',
  }),
  // --- secrets/ ---
  bundleCorrupt: (file: string, detail: string): Msg => ({
    rule: 'secrets-bundle-intact',
    message: `secrets bundle file ${file} is corrupt: ${detail}`,
    hint: 'Restore the whole secrets directory from your backup: its CAs and keys cannot be recreated without locking every existing node and kubeconfig out of the cluster.',
  }),
  bundleVersion: (file: string, found: unknown): Msg => ({
    rule: 'secrets-bundle-version',
    message: `secrets bundle file ${file} has format version ${JSON.stringify(found)}; this kspray reads version 1`,
    hint: 'Use the kspray release that wrote this bundle, or restore the secrets directory from your backup.',
  }),
  bundleClusterMismatch: (bundleCluster: string, specCluster: string): Msg => ({
    rule: 'bundle-matches-cluster',
    message: `the secrets bundle belongs to cluster "${bundleCluster}", not "${specCluster}"`,
    hint: `Use the secrets directory of cluster "${specCluster}", or set metadata.name back to "${bundleCluster}".`,
  }),
  bundleAlgorithmMismatch: (bundleAlgorithm: string, specAlgorithm: string): Msg => ({
    rule: 'pki-algorithm-fixed',
    message: `pki.algorithm is ${specAlgorithm}, but the secrets bundle's CAs use ${bundleAlgorithm}`,
    hint: `Set spec.pki.algorithm: ${bundleAlgorithm}; the algorithm is fixed when the bundle is created.`,
  }),
  leafKeyMissing: (name: string): Msg => ({
    rule: 'leaf-key-present',
    message: `the secrets bundle has no leaf key "${name}"`,
    hint: 'This is a kspray bug: leaf keys must be ensured (ensureLeafKeys) before certificates are issued.',
  }),
  externalEtcdNoMembers: (): Msg => ({
    rule: 'external-etcd-has-members',
    message: 'etcd.topology is external, but no node has the etcd role',
    hint: 'List 3 (or 5, 7) nodes with roles: [etcd] under spec.nodes, or use etcd.topology: stacked.',
  }),
  etcdLastMember: (peerUrl: string): Msg => ({
    rule: 'etcd-member-removal',
    message: `the etcd member at ${peerUrl} is the last voting member; removing it would destroy the cluster`,
    hint: 'Add another etcd member first, or reset the cluster instead of removing nodes.',
  }),
  kubeVipNeedsVip: (endpoint: string | undefined, bindPort: number): Msg => ({
    rule: 'kube-vip-needs-vip',
    message:
      endpoint === undefined
        ? 'loadBalancer: kube-vip needs controlPlane.endpoint (the virtual IP)'
        : `loadBalancer: kube-vip needs controlPlane.endpoint to be an IP address (IPv4, or IPv6 in brackets) on the apiserver port ${bindPort}, not "${endpoint}"`,
    hint: `Set controlPlane.endpoint to a free address in the control planes' subnet, e.g. "10.0.0.10:${bindPort}" or "10.0.0.10": kube-vip announces it by ARP.`,
  }),
  notEtcdMemberNode: (name: string): Msg => ({
    rule: 'etcd-member-files',
    message: `"${name}" is not an external etcd member, so it gets no /etc/etcd/pki files`,
    hint: 'This is a kspray bug: only etcd-role nodes of an external etcd topology receive etcd member certificates.',
  }),
  notControlPlaneNode: (name: string): Msg => ({
    rule: 'control-plane-files',
    message: `"${name}" is not a control-plane node, so it gets no /etc/kubernetes/pki files`,
    hint: 'This is a kspray bug: only control-plane nodes receive CA keys and leaf certificates.',
  }),
  // --- emit/ignition ---
  badIgnitionUrlBase: (base: string): Msg => ({
    rule: 'ignition-config-url',
    message: `Ignition config URL base "${base}" (spec.ignition.configUrlBase or --ignition-url-base) is not an https://, http://, s3:// or gs:// URL without query or fragment`,
    hint: 'Write where the config.ign files will be served, e.g. s3://my-bucket/ignition or https://boot.example.com/ignition; each node fetches <base>/<node>/config.ign.',
  }),
  ignitionInvalid: (node: string, where: string, detail: string): Msg => ({
    rule: 'ignition-valid',
    message: `the Ignition config of "${node}" is invalid at ${where}: ${detail}`,
    hint: 'The spec value at this position produced it; change it, or report a kspray bug if the value is valid.',
  }),
  // --- model/ (Calico routing) ---
  calicoNeedsBgp: (encapsulation: string): Msg => ({
    rule: 'calico-routes-between-nodes',
    message: `network.calico.encapsulation: ${encapsulation} needs BGP: without BIRD no node learns the other nodes' pod routes`,
    hint: 'Remove bgp: false, or use encapsulation: vxlan (VXLAN needs no BGP).',
  }),
  calicoCrossSubnetNeedsTunnel: (): Msg => ({
    rule: 'calico-routes-between-nodes',
    message: 'crossSubnet: true needs a tunnel for traffic between subnets, and encapsulation is none',
    hint: 'Use encapsulation: vxlan or ipip with crossSubnet: true, or drop crossSubnet.',
  }),
  calicoBlockTooBig: (size: number, pods: string): Msg => ({
    rule: 'calico-block-fits-pods',
    message: `a /${size} Calico block is larger than the pod subnet ${pods}`,
    hint: 'Use a block size at least as long as the pod subnet prefix (Kubespray default: 26).',
  }),
  // --- import/ (kspray import kubespray) ---
  inventorySyntax: (file: string, line: number, detail: string): Msg => ({
    rule: 'kubespray-inventory',
    message: `${file}${line ? `:${line}` : ''}: ${detail}`,
    hint: "Write the inventory as Kubespray's inventory/sample does (hosts.yaml or inventory.ini).",
  }),
  noInventory: (dir: string): Msg => ({
    rule: 'kubespray-inventory',
    message: `no inventory in ${dir} (looked for hosts.yaml, hosts.yml, inventory.ini, hosts.ini)`,
    hint: "Point at a Kubespray inventory directory, e.g. inventory/mycluster (Kubespray's inventory/sample layout).",
  }),
  noControlPlaneHosts: (file: string): Msg => ({
    rule: 'kubespray-inventory',
    message: `${file} has no host in kube_control_plane (or the legacy kube-master)`,
    hint: 'Kubespray needs at least one control-plane host; list it under kube_control_plane.',
  }),
  hostWithoutAddress: (host: string, file: string): Msg => ({
    rule: 'kubespray-host-address',
    message: `host "${host}" in ${file} has no ip, access_ip or ansible_host`,
    hint: 'kspray needs a fixed IPv4 address per node: set ip= (the address Kubespray binds cluster services to).',
  }),
  hostWithoutAddress6: (host: string, file: string): Msg => ({
    rule: 'kubespray-host-address',
    message: `host "${host}" in ${file} has no ip6 or access_ip6, and ipv6_stack is true`,
    hint: "kspray needs each node's IPv6 address up front (Kubespray would read it from the host's facts): set ip6= on the host.",
  }),
  badGroupVars: (file: string, detail: string): Msg => ({
    rule: 'kubespray-group-vars',
    message: `${file}: ${detail}`,
    hint: 'group_vars files must be YAML mappings of variable: value.',
  }),
  // --- import/ (kspray import kubespray: refusals; the reasons come from src/import/variables.ts) ---
  unknownImportOs: (os: string, known: string[]): Msg => ({
    rule: 'kubespray-import-os',
    message: `--os ${os} is not an OS kspray builds`,
    hint: `One of ${known.join(', ')}.`,
  }),
  kubesprayRefused: (variable: string, value: unknown, why: string, instead: string): Msg => ({
    rule: 'kubespray-refused',
    message: `${variable}: ${JSON.stringify(value)}: ${why}`,
    hint: `kspray builds another cluster than Kubespray would with this value, so nothing was written. Choose instead: ${instead}.`,
  }),
  certsRenewUnknown: (names: string[], known: string[]): Msg => ({
    rule: 'certs-renew-names',
    message: `no leaf certificate named ${names.map((n) => `"${n}"`).join(', ')}`,
    hint: `Use names from \`kspray certs check\`, e.g. ${known.slice(0, 3).join(', ')}.`,
  }),
  certsRenewCa: (names: string[]): Msg => ({
    rule: 'certs-renew-leafs-only',
    message: `${names.join(', ')} ${names.length > 1 ? 'are CAs' : 'is a CA'}: kspray certs renew renews leaf certificates only`,
    hint: 'CAs are fixed for the life of the secrets bundle; replacing one means re-issuing every certificate and kubeconfig that trusts it.',
  }),
  // --- lifecycle/ (scale) ---
  scaleControlPlane: (name: string): Msg => ({
    rule: 'scale-external-etcd',
    message: `"${name}" is a new external etcd member: kspray scale does not add external etcd members`,
    hint: 'An external member needs `etcdctl member add` before it starts and changes every control plane\'s etcd endpoints: add it by hand (etcdctl member add, then boot it from its payload, then re-render and re-provision the control planes), or use a stacked etcd.',
  }),
  scaleNewFirstControlPlane: (name: string): Msg => ({
    rule: 'scale-first-control-plane',
    message: `new node "${name}" would be the first control plane (it runs kubeadm init, starting a second cluster)`,
    hint: 'List new control planes after the existing ones in spec.nodes: the first control plane of a running cluster stays first.',
  }),
  scaleApplyFailed: (id: string, detail: string): Msg => ({
    rule: 'scale-apply-token',
    message: `applying the bootstrap token Secret bootstrap-token-${id} failed: ${detail}`,
    hint: 'Check --kubeconfig (admin.conf) and that the API is reachable, then run kspray scale again (the token and payloads are kept; the apply is safe to repeat).',
  }),
  scaleNotRendered: (dir: string, file: string): Msg => ({
    rule: 'scale-needs-bundle',
    message: `no secrets bundle in ${dir}`,
    hint: `kspray scale adds nodes to a rendered cluster: run \`kspray render -f ${file}\` first, or point --out at its outputs directory.`,
  }),
  // --- lifecycle/ (upgrade, certs) ---
  unknownUpgradeVersion: (v: string, known: string[]): Msg => ({
    rule: 'upgrade-known-version',
    message: `kubernetes version "${v}" has no checksums in the catalog`,
    hint: `Use one of: ${known.join(', ')}.`,
  }),
  upgradeRefused: (rule: string, message: string, hint: string): Msg => ({ rule, message, hint }),
  noCrioForUpgrade: (to: string, installed: string, arch: string, minors: string[]): Msg => ({
    rule: 'upgrade-crio-available',
    message: `the catalog has no cri-o for kubernetes ${to} on ${arch}: the cluster runs cri-o ${installed}, and cri-o's minor must follow kubernetes' (crio-matches-kubernetes)`,
    hint: `Upgrade to a kubernetes minor the catalog has cri-o for (${minors.join(', ')}), or update kspray (its catalog) first.`,
  }),
  upgradeNeedsPlan: (): Msg => ({
    rule: 'upgrade-mode',
    message: 'kspray upgrade needs --plan (print the plan) or --apply (run it through the API)',
    hint: 'Start with --plan; then --apply --dry-run prints the kubectl calls; then --apply runs them.',
  }),
  upgradeStepFailed: (what: string, detail: string, hint?: string): Msg => ({
    rule: 'upgrade-step',
    message: `upgrade step failed: ${what}: ${detail}`,
    hint: hint ?? 'Fix the cause, then run the same command again: nodes already upgraded are skipped (their kubelet reports the target version).',
  }),
  upgradeJobFailed: (node: string, job: string, namespace: string, before: boolean): Msg => ({
    rule: 'upgrade-job-failed',
    message: `the upgrade Job ${namespace}/${job} on ${node} ${before ? 'failed in an earlier run' : 'failed'}; the upgrade stopped, ${node} stays cordoned`,
    hint: `Read its log: kubectl -n ${namespace} logs job/${job} (and /var/lib/kspray/status on ${node}). After fixing the cause: kubectl -n ${namespace} delete job ${job}, then run the same kspray upgrade command again (the node program's upgrade mode is safe to rerun).`,
  }),
  upgradeExternalEtcdManual: (members: string[], etcd: string): Msg => ({
    rule: 'upgrade-external-etcd',
    message: `the external etcd members (${members.join(', ')}) move to etcd ${etcd} first, and run no kubelet: kspray cannot reach them through the API`,
    hint: 'Upgrade them one at a time (re-provision from the re-rendered payload, or install the new etcd and restart it), checking `etcdctl endpoint health --cluster` after each; then rerun with --etcd-upgraded.',
  }),
  upgradeNodeMissing: (names: string[]): Msg => ({
    rule: 'upgrade-node-missing',
    message: `node${names.length > 1 ? 's' : ''} ${names.join(', ')} of the spec ${names.length > 1 ? 'are' : 'is'} not in the cluster (kubectl get nodes)`,
    hint: 'Upgrade the cluster the spec describes: add the missing nodes, or remove them from the spec (kspray remove-node), then run the upgrade again.',
  }),
  badKubeletVersions: (text: string): Msg => ({
    rule: 'upgrade-kubelet-versions',
    message: `--kubelet-versions "${text}" is not NAME=X.Y.Z[,NAME=X.Y.Z...]`,
    hint: 'e.g. --kubelet-versions worker-1=1.34.3,worker-2=1.35.1 (as `kubectl get nodes` shows them, without the v).',
  }),
  certsLeafKeysMissing: (names: string[]): Msg => ({
    rule: 'certs-rendered',
    message: `the secrets bundle has no leaf keys for ${names.join(', ')}`,
    hint: 'Those certificates were never issued: run `kspray render` for this spec first.',
  }),
  certsExpiring: (count: number, days: number): Msg => ({
    rule: 'certs-expiring',
    message: `${count} certificate(s) expired or expire within ${days} days`,
    hint: `Renew the leafs with \`kspray certs renew -f FILE --expiring-within ${days}\`, then \`kspray render\`; an expired CA cannot be renewed in place.`,
  }),
  // --- emit/providers (render --provider) ---
  userDataTooLarge: (provider: string, node: string, field: string, measured: number, encoding: string, limitLabel: string, wayOut: string): Msg => ({
    rule: 'user-data-fits-provider',
    message: `node "${node}": ${provider} ${field} would be ${measured} bytes (${encoding}), over the limit of ${limitLabel}${encoding.includes('gzip') ? ', even gzipped' : ''}`,
    hint: wayOut || undefined,
  }),
  /** The first sentence of a hint when a cloud's limit counts several metadata fields (OCI). */
  metadataParts: (parts: Array<{ field: string; bytes: number }>): string =>
    `The limit counts every metadata field kspray sends: ${parts.map((p) => `${p.field} ${p.bytes} B`).join(', ')}.` +
    (parts.some((p) => p.field === 'ssh_authorized_keys')
      ? ' Remove ssh_authorized_keys first (drop spec.ssh.authorizedKeys, or add the keys after boot): the payload carries them too.'
      : ''),
  unknownProvider: (name: string, allowed: readonly string[]): Msg => ({
    rule: 'known-provider',
    message: `unknown provider "${name}"`,
    hint: `Use one of: ${allowed.join(', ')}.`,
  }),
  // --- cli flags of pxe / images ---
  missingFlag: (command: string, flag: string, why: string): Msg => ({
    rule: 'required-flag',
    message: `kspray ${command} needs ${flag}: ${why}`,
    hint: `Pass ${flag}.`,
  }),
  unsafeBootValue: (flag: string, value: string): Msg => ({
    rule: 'boot-value-safe',
    message: `${flag} "${value}" contains whitespace, quotes or "$", which iPXE and the kernel command line would split or expand`,
    hint: 'Percent-encode those characters in the URL, or pass each kernel argument without spaces.',
  }),
  matchboxNoSelector: (node: string, kind: 'node' | 'pool'): Msg => ({
    rule: 'matchbox-selector',
    message:
      kind === 'node'
        ? `matchbox group for node "${node}" would have no selector: matchbox serves a group without one to every machine that asks, so any machine would boot as ${node} with its keys`
        : `matchbox group for pool "${node}" would have no selector, which matchbox treats as a catch-all (every machine that asks boots as a ${node} member)`,
    hint: kind === 'node' ? `Pass --mac ${node}=aa:bb:cc:dd:ee:ff.` : `Pass --catch-all ${node} if every unmatched machine should join this pool (at most one pool).`,
  }),
  fcosBootMissing: (nodes: string[]): Msg => ({
    rule: 'pxe-fcos-boot',
    message: `Fedora CoreOS node(s) ${nodes.join(', ')} boot their own live kernel, initrd and root filesystem, not Flatcar's (--ignition-kernel/--ignition-initrd)`,
    hint: 'Pass --fcos-kernel, --fcos-initrd and --fcos-rootfs (the live PXE artifacts of the FCOS stream).',
  }),
  nameGlobNotRendered: (nodes: string[], os: string[], glob: string): Msg => ({
    rule: 'pxe-interface-renderer',
    message: `network-config of ${nodes.join(', ')} (${[...new Set(os)].join(', ')}) would match --interface ${glob} by name glob, which only netplan (Ubuntu) honours: their cloud-init renderer (sysconfig, networkd or ENI) would configure a device literally named "primary"`,
    hint: 'Pass --mac NODE=aa:bb:cc:dd:ee:ff for each of them (matched by MAC, every renderer), or the literal interface name (e.g. --interface ens3).',
  }),
  seedUrlWithQuery: (value: string): Msg => ({
    rule: 'seed-url-plain',
    message: `--seed-url "${value}" has a query or fragment: nodes append <node>/user-data, meta-data or config.ign to it, which would land inside the query`,
    hint: 'Serve pxe/seed/ under a plain base URL (a bucket website, a web server or matchbox). One presigned URL cannot serve several files: presign each file and use --iso or matchbox instead.',
  }),
  badFlagValue: (flag: string, value: string, expected: string): Msg => ({
    rule: 'valid-flag',
    message: `${flag} "${value}" is not ${expected}`,
    hint: `Pass ${flag} as ${expected}.`,
  }),
  isoToolMissing: (): Msg => ({
    rule: 'iso-tool-present',
    message: '--iso needs xorriso or genisoimage on PATH to build the cidata seed ISO',
    hint: 'Install one (Debian/Ubuntu: apt-get install xorriso), or drop --iso and serve the seed files over HTTP.',
  }),
  isoBuildFailed: (tool: string, detail: string): Msg => ({
    rule: 'iso-build',
    message: `${tool} failed to build the cidata seed ISO: ${detail}`,
  }),
  // --- kspray aws (src/aws) ---
  awsCallFailed: (action: string, code: string, detail: string, service = 'EC2'): Msg => ({
    rule: 'aws-call',
    message: `${service} ${action} failed: ${code}: ${detail}`,
    hint: 'Check the region (--region or AWS_REGION), the credentials (the SDK default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, instance role) and their IAM permissions; `kspray aws apply` is idempotent, so running it again continues where it stopped.',
  }),
  awsNoImage: (what: string, filters: string): Msg => ({
    rule: 'aws-image-found',
    message: `no AMI found for ${what} (${filters})`,
    hint: 'Check the region; for --baked, build the image first (`kspray images`, then `packer build amazon-ebs.pkr.hcl`); or pass --image ami-....',
  }),
  awsNoOfficialImage: (node: string, os: string): Msg => ({
    rule: 'aws-image-known',
    message: `node "${node}": kspray knows no official AMI for os ${os}`,
    hint: 'Pass --image ami-... (the vendor\'s AMI for that OS in your region).',
  }),
  awsNoRegion: (detail: string): Msg => ({
    rule: 'aws-region',
    message: `no AWS region: the nodes' secrets and their roles' policies are per region (${detail})`,
    hint: 'Pass --region, or set AWS_REGION (or a region in your AWS profile).',
  }),
  awsSecretTooLarge: (node: string, bytes: number): Msg => ({
    rule: 'aws-secret-size',
    message: `the secrets archive of "${node}" is ${bytes} bytes gzipped: over Secrets Manager's 65536-byte secret limit`,
    hint: 'Use a smaller key algorithm (spec.pki.algorithm ECDSA-P256 or RSA-2048), or spec.secrets.delivery: fetch (an https server only the node can read).',
  }),
  awsIdentityNameTooLong: (name: string): Msg => ({
    rule: 'aws-identity-name',
    message: `IAM role and instance profile name "${name}" is longer than IAM's 64 characters`,
    hint: 'Use a shorter metadata.name (kspray names them kspray-<cluster>-<role>).',
  }),
  awsNoAddress: (node: string): Msg => ({
    rule: 'aws-node-address',
    message: `node "${node}" has no address: RunInstances needs a fixed private IP for it`,
    hint: 'Give the node an address in the spec (inside the subnet passed with --subnet).',
  }),
  packerNoBaseImage: (image: string, builder: string, reason: string): Msg => ({
    rule: 'packer-base-image',
    message: `no ${builder} template for ${image}: ${reason}`,
    hint: 'Pick another --builder for this distro (amazon-ebs has every cloud-init distro), or bake from your own image with openstack or vsphere-clone.',
  }),
  outputJsonConflict: (command: string, flag: string, why: string): Msg => ({
    rule: 'flag-combination',
    message: `kspray ${command}: --output json cannot be combined with ${flag}: ${why}`,
    hint: `Drop ${flag} for the JSON report, or --output json for ${flag}.`,
  }),
  unknownChoice: (flag: string, value: string, allowed: readonly string[]): Msg => ({
    rule: 'known-choice',
    message: `${flag} "${value}" is not one of the choices here`,
    hint: `Use one of: ${allowed.join(', ')}.`,
  }),
  // --- lifecycle: remove-node, reset ---
  removeUnknownNode: (name: string, known: string[]): Msg => ({
    rule: 'remove-node-known',
    message: `no node named "${name}" in the spec`,
    hint: `kspray remove-node takes a node under spec.nodes: one of ${known.join(', ') || '(none)'}.`,
  }),
  removePoolNode: (name: string): Msg => ({
    rule: 'remove-node-known',
    message: `"${name}" is a pool: its members have names the cloud gives them, not in the spec`,
    hint: 'Shrink the pool\'s group in the cloud (its members are identical), or cordon/drain/delete one member with kubectl.',
  }),
  removeLastControlPlane: (name: string): Msg => ({
    rule: 'remove-node-last-control-plane',
    message: `"${name}" is the last control plane; removing it would leave the cluster without an API server`,
    hint: 'Add another control plane first, or reset the whole cluster (kspray reset on every node).',
  }),
  removeEtcdQuorum: (name: string, members: number): Msg => ({
    rule: 'remove-node-etcd-quorum',
    message: `"${name}" is one of ${members} etcd member(s): the ${members - 1} left would not be a majority of ${members}, so etcd could lose quorum during the removal`,
    hint: 'Add an etcd member first (the spec needs an odd count: 3, 5, 7), then remove this one.',
  }),
  removeEtcdEven: (name: string, members: number): Msg => ({
    rule: 'remove-node-etcd-even',
    message: `removing "${name}" leaves ${members - 1} etcd members, which tolerate no more failures than ${members - 2}`,
    hint: 'Add a replacement member first, or pass --force to accept it (the spec will then need an odd count again before kspray render accepts it).',
  }),
  removeNotRendered: (secretsDir: string, file: string): Msg => ({
    rule: 'remove-node-bundle',
    message: `no secrets bundle in ${secretsDir}: kspray remove-node compares the outputs rendered from it`,
    hint: `Point --out at the outputs of this cluster (kspray render -f ${file} -o DIR wrote them).`,
  }),
  removeStepFailed: (step: string, detail: string): Msg => ({
    rule: 'remove-node-step',
    message: `step failed: ${step}: ${detail}`,
    hint: 'Nothing after this step ran; fix the cause and run kspray remove-node again (the steps done are safe to repeat).',
  }),
  removeEtcdRefused: (detail: string): Msg => ({
    rule: 'remove-node-etcd-member',
    message: detail,
    hint: 'The live etcd cluster has fewer voting members than the spec: check `etcdctl member list` before removing anything.',
  }),
  removeExternalEtcdManual: (name: string): Msg => ({
    rule: 'remove-node-external-etcd',
    message: `"${name}" is an external etcd member: kspray cannot reach it through the Kubernetes API (no kubelet runs there)`,
    hint: 'Run the printed etcdctl commands on another etcd member (kspray remove-node --dry-run prints them), then power the node off.',
  }),
  resetUnknownNode: (name: string, known: string[]): Msg => ({
    rule: 'reset-node-known',
    message: `no node or pool named "${name}" in the spec`,
    hint: `Use one of: ${known.join(', ')}.`,
  }),
  // --- secrets delivery (spec.secrets, render --node on a terminal) ---
  secretsFetchNeedsUrl: (): Msg => ({
    rule: 'secrets-fetch-url',
    message: 'spec.secrets.delivery fetch needs spec.secrets.urlBase: where outputs/<cluster>/fetch/ will be served',
    hint: 'Add urlBase: https://secrets.example.com/<cluster> (each node fetches <urlBase>/<node>/...), or use delivery: inline.',
  }),
  secretsUrlNotHttps: (url: string): Msg => ({
    rule: 'secrets-fetch-url',
    message: url.startsWith('http://')
      ? `spec.secrets.urlBase "${url}" is plain http: the archives hold private keys and the bootstrap token, which anyone on the path could read`
      : `spec.secrets.urlBase "${url}" is not an https:// URL without query or fragment`,
    hint: 'Serve outputs/<cluster>/fetch/ over https (a private CA or self-signed server: put its CA in spec.secrets.caCert).',
  }),
  payloadUrlNotHttps: (url: string): Msg => ({
    rule: 'cloud-init-payload-url',
    message: `spec.cloudInit.payloadUrlBase "${url}" is not an https:// URL without query or fragment${url.startsWith('http://') ? ': a payload archive holds what user data would (keys and the bootstrap token with inline delivery)' : ''}`,
    hint: 'Serve nodes/<node>/payload.tar over https, e.g. payloadUrlBase: https://boot.example.com/<cluster> (an S3 presigned or CloudFront URL base works).',
  }),
  secretsSettingNeedsFetch: (key: string, delivery: string): Msg => ({
    rule: 'secrets-fetch-settings',
    message:
      delivery === 'aws-secrets-manager'
        ? `spec.secrets.${key} is only read with delivery: fetch; with aws-secrets-manager the node reads its secret from the Secrets Manager endpoint of its region, not from a URL`
        : `spec.secrets.${key} is only read with delivery: fetch; with inline delivery the keys are in the payload and nothing is fetched`,
    hint: `Set spec.secrets.delivery: fetch, or remove ${key}.`,
  }),
  secretsAwsNeedsProvider: (provider: string): Msg => ({
    rule: 'secrets-aws-provider',
    message: `spec.secrets.delivery aws-secrets-manager needs spec.provider.name aws (it is ${provider}): the node reads its secret with its EC2 instance role, which \`kspray aws apply\` creates`,
    hint: 'Use delivery: fetch (an https server only the node can read) on other providers, or set spec.provider.name: aws.',
  }),
  secretsCaNotPem: (): Msg => ({
    rule: 'secrets-ca-pem',
    message: 'spec.secrets.caCert is not PEM certificate text (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)',
    hint: 'Paste the CA certificate of the server behind urlBase as a YAML block scalar (caCert: |).',
  }),
  ignitionUrlPlainHttp: (base: string): Msg => ({
    rule: 'ignition-config-url-secret',
    message: `Ignition config URL base "${base}" is plain http, and with spec.secrets.delivery inline each config.ign holds the bootstrap token (control planes: the CA private keys); sha512 guards integrity, not secrecy`,
    hint: 'Serve the configs over https (or s3:// / gs:// with the instance identity), or set spec.secrets.delivery: fetch so config.ign holds no key and no token.',
  }),
  renderKeysToTerminal: (node: string, keys: number): Msg => ({
    rule: 'render-node-terminal',
    message: `refusing to print the payload of "${node}" to a terminal: it holds ${keys} private key${keys === 1 ? '' : 's'} (the terminal's scrollback, a screen share or a recording would keep them)`,
    hint: 'Redirect it (`kspray render --node ' + node + ' > user-data`), or pass --force to print it anyway; spec.secrets.delivery: fetch keeps keys out of payloads altogether.',
  }),
  // --- customization (spec.kubelet, kubeProxy, extraArgs, files, sysctls, patches: model/customizationRules.ts) ---
  unknownConfigField: (kind: string, field: string, struct: string, guess?: string): Msg => ({
    rule: 'component-config',
    message: `${kind} has no field "${field}" (${struct}, Kubernetes 1.36 types)`,
    hint: guess ? `Did you mean "${guess}"?` : 'See data/kubernetes/config-fields.json for the fields of this type.',
  }),
  mistypedConfigField: (kind: string, field: string, expected: string, input: unknown): Msg => ({
    rule: 'component-config',
    message: `${kind} field "${field}" must be ${expected}, not ${describe(input)}`,
    hint: expected.startsWith('a string') || expected.startsWith('a duration') || expected.startsWith('a quantity') ? 'Quote the value in YAML.' : undefined,
  }),
  reservedConfigField: (kind: string, field: string, reason: string): Msg => ({
    rule: 'component-config',
    message: `${kind} field "${field}" is set by kspray and cannot be overridden: ${reason}`,
    hint: 'Remove it.',
  }),
  reservedExtraArg: (component: string, flag: string, reason: string): Msg => ({
    rule: 'extra-args',
    message: `${component} flag --${flag} is set by kspray and cannot be overridden: ${reason}`,
    hint: 'Remove it from extraArgs.',
  }),
  extraArgWithDashes: (flag: string): Msg => ({
    rule: 'extra-args',
    message: `extraArgs key "${flag}" must be the flag name without leading dashes`,
    hint: `Write ${flag.replace(/^-+/, '')}: "value".`,
  }),
  duplicateExtraVolume: (name: string, firstAt: string): Msg => ({
    rule: 'extra-volume-names',
    message: `extra volume "${name}" is declared twice or clashes with a volume kspray mounts (${firstAt})`,
    hint: 'Give every volume of a component its own name.',
  }),
  configDocumentKind: (field: string, apiVersion: string, kind: string): Msg => ({
    rule: 'config-document-kind',
    message: `${field} must be a ${apiVersion} ${kind} document`,
    hint: `Start it with apiVersion: ${apiVersion} and kind: ${kind}.`,
  }),
  badCertSAN: (san: string): Msg => ({
    rule: 'cert-san',
    message: `certSANs entry "${san}" is neither a DNS name nor an IP address`,
    hint: 'Use a name such as api.example.com (a leading *. is allowed) or an address such as 203.0.113.10.',
  }),
  duplicateFilePath: (path: string, firstAt: string): Msg => ({
    rule: 'unique-file-paths',
    message: `file ${path} is listed twice (first at ${firstAt})`,
    hint: 'List each path once; a node or pool entry with the same path as a cluster entry replaces it.',
  }),
  fileConflictsWithKspray: (path: string, builder: string, firstAt: string): Msg => ({
    rule: 'file-written-by-kspray',
    message: `file ${path} is also written by kspray's ${builder} builder (from ${firstAt})`,
    hint: 'Use the spec field that controls that file, or another path.',
  }),
  fileKubeadmWrites: (path: string, reason: string): Msg => ({
    rule: 'file-kubeadm-writes',
    message: `file ${path} is written by kubeadm on the node: ${reason}`,
    hint: 'Remove it, or use the spec field named above.',
  }),
  fileOnReadOnlyUsr: (path: string, node: string): Msg => ({
    rule: 'file-read-only-usr',
    message: `file ${path} would land on "${node}", a Flatcar/Fedora CoreOS node whose /usr is read-only`,
    hint: 'Use a path under /etc, /opt or /var (Flatcar puts extra binaries in /opt/bin).',
  }),
  keyPathOnWorker: (path: string, dir: string, node: string): Msg => ({
    rule: 'no-key-paths-on-workers',
    message: `file ${path} would land on worker "${node}" under ${dir}, which holds private keys on control planes`,
    hint: 'Workers never receive key material: put the file elsewhere, or set it on control-plane nodes only (spec.nodes[].files).',
  }),
  reservedSysctl: (key: string, value: string): Msg => ({
    rule: 'sysctls',
    message: `sysctl ${key} is set by kspray to ${value} (Kubespray's value, required by the kubelet's protectKernelDefaults or pod networking)`,
    hint: 'Remove it from sysctls.',
  }),
  badSysctlName: (key: string): Msg => ({
    rule: 'sysctls',
    message: `"${key}" is not a sysctl name`,
    hint: 'Use dot-separated names such as net.core.somaxconn.',
  }),
  patchShape: (type: string): Msg => ({
    rule: 'patch-shape',
    message: type === 'json' ? 'a json patch must be a list of operations' : `a ${type} patch must be a mapping`,
    hint: type === 'json' ? 'Write patch: [ { op: replace, path: /spec/..., value: ... } ], or use type: strategic.' : 'Write the fields to change as a mapping, or use type: json for a list of operations.',
  }),
  // --- OS releases past their end of life (api/v1alpha1/endOfLife.ts) ---
  osEndOfLife: (os: string, date: string, instead: string): Msg => ({
    rule: 'os-end-of-life',
    message: `os "${os}" reached its end of life on ${date}: it gets no security updates, and kspray builds no new node on it`,
    hint: `Use ${instead}.`,
  }),
  osCgroupV1: (os: string, version: string): Msg => ({
    rule: 'os-cgroup-v1',
    message: `os "${os}" boots with cgroup v1, and the kubelet of Kubernetes ${version} refuses to start on cgroup v1 unless failCgroupV1 is false`,
    hint: 'Set kubelet: { config: { failCgroupV1: false } } on this node or pool (or in spec.kubelet), as Kubespray\'s CI does for openEuler (kubelet_fail_cgroup_v1: false), knowing cgroup v1 is in maintenance only; or choose an OS on cgroup v2 such as rocky-10.',
  }),
};

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
