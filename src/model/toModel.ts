// model/ stage: spec as written → ClusterModel (defaults applied, rules passed).
import { KsprayError } from '../errors/errors.js';
import { componentVersions, defaultKubernetesVersion, images, minorOf } from '../catalog/catalog.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import { DEFAULTS } from './defaults.js';
import { appAddonVersions } from '../catalog/appAddons.js';
import { hostPort, nthAddress } from './address.js';
import { parseAddresses, specStack } from './stack.js';
import type { ClusterModel, NodeModel } from './model.js';
import { parseEndpoint, runRules } from './rules.js';
import { noProxyList } from './noProxy.js';
import { crioVersionFor } from '../catalog/runtime.js';
import { addonSettings } from './addonSettings.js';
import { clusterCustomization, nodeCustomization } from './customization.js';

export function toModel(spec: ClusterSpec, file?: string): ClusterModel {
  const problems = runRules(spec);
  if (problems.length > 0) throw new KsprayError('input', problems, file);

  const s = spec.spec;
  const k = s.kubernetes ?? {};
  const version = k.version ?? defaultKubernetesVersion();
  // Rules have checked both subnets parse and agree on their families.
  const stack = specStack(spec)!;
  const serviceSubnets = stack.service.map((c) => c.text);
  const podSubnets = stack.pod.map((c) => c.text);
  const serviceSubnet = serviceSubnets.join(',');
  const podSubnet = podSubnets.join(',');
  const primaryFamily = stack.families[0]!;
  const clusterDomain = k.clusterDomain ?? DEFAULTS.kubernetes.clusterDomain;
  const containerRuntime = runtimeModel(s.containerRuntime, version);
  // A pinned containerd replaces the catalog default everywhere downloads are listed.
  const versions = { ...componentVersions(version), ...(containerRuntime.name === 'containerd' ? { containerd: containerRuntime.version } : {}) };
  const artifacts = { mirror: s.artifacts?.mirror, registry: s.artifacts?.registry };

  const nodes = buildNodes(spec);
  const first = nodes.find((n) => n.isFirstControlPlane)!;
  const bindPort = s.controlPlane?.port ?? DEFAULTS.controlPlane.port;
  const loadBalancer = s.controlPlane?.loadBalancer ?? DEFAULTS.controlPlane.loadBalancer;
  const userEndpoint = s.controlPlane?.endpoint ? parseEndpoint(s.controlPlane.endpoint) : undefined;
  const clientEndpoint = userEndpoint
    ? { host: userEndpoint.host, port: userEndpoint.port ?? bindPort }
    : { host: first.address!, port: bindPort };
  // With the localhost proxy there is no shared address at join time, so kubeadm's endpoint is the
  // first control plane (as Kubespray does); nodes switch to https://localhost after joining.
  const kubeadmEndpoint =
    loadBalancer === 'localhost' ? hostPort(first.address!, bindPort) : hostPort(clientEndpoint.host, clientEndpoint.port);
  // node-local-dns listens on one family only (kubernetes/dns#418): the primary one, as kubelet's clusterDNS.
  const nodeLocalDNSAddress = primaryFamily === 'IPv6' ? DEFAULTS.addons.nodeLocalDNSAddressIPv6 : DEFAULTS.addons.nodeLocalDNSAddress;

  return {
    name: spec.metadata.name,
    kubernetes: {
      version,
      minor: minorOf(version),
      ipFamilies: stack.families,
      serviceSubnet,
      podSubnet,
      serviceSubnets,
      podSubnets,
      nodeCidrMaskSize: k.nodeCidrMaskSize ?? DEFAULTS.kubernetes.nodeCidrMaskSize,
      nodeCidrMaskSizeIPv6: k.nodeCidrMaskSizeIPv6 ?? DEFAULTS.kubernetes.nodeCidrMaskSizeIPv6,
      clusterDomain,
      proxyMode: k.proxyMode ?? DEFAULTS.kubernetes.proxyMode,
      featureGates: sortedRecord(k.featureGates ?? {}),
      apiServiceIP: nthAddress(stack.service[0]!, 1),
      apiServiceIPs: stack.service.map((c) => nthAddress(c, 1)),
      dnsServiceIP: nthAddress(stack.service[0]!, 10),
    },
    controlPlane: {
      loadBalancer,
      localhostProxy: s.controlPlane?.localhostProxy ?? DEFAULTS.controlPlane.localhostProxy,
      bindPort,
      kubeadmEndpoint,
      clientEndpoint,
      extraSANs: extraSANs(userEndpoint?.host, stack.service.map((c) => nthAddress(c, 1)), nodes, s.controlPlane?.apiServer?.certSANs ?? []),
    },
    etcd: { topology: s.etcd?.topology ?? DEFAULTS.etcd.topology },
    pki: {
      algorithm: s.pki?.algorithm ?? DEFAULTS.pki.algorithm,
      certValidityDays: s.pki?.certValidityDays ?? DEFAULTS.pki.certValidityDays,
      caValidityDays: s.pki?.caValidityDays ?? DEFAULTS.pki.caValidityDays,
      ...(s.pki?.autoRenew ? { autoRenewCalendar: s.pki.autoRenew.onCalendar ?? DEFAULTS.pki.autoRenewCalendar } : {}),
    },
    bootstrapToken: { ttl: s.bootstrapToken?.ttl ?? DEFAULTS.bootstrapToken.ttl },
    containerRuntime,
    proxy: s.proxy
      ? {
          http: s.proxy.http,
          https: s.proxy.https,
          noProxy: noProxyList({
            user: s.proxy.noProxy ?? [],
            nodes,
            serviceSubnet,
            podSubnet,
            clusterDomain,
            apiHost: clientEndpoint.host,
            nodeLocalDNSAddress,
          }),
        }
      : undefined,
    network: {
      plugin: s.network?.plugin ?? DEFAULTS.network.plugin,
      mtu: s.network?.mtu ?? DEFAULTS.network.mtu,
      calico: calicoModel(s.network?.calico),
      cilium: {
        tunnel: s.network?.cilium?.tunnel ?? DEFAULTS.network.cilium.tunnel,
        kubeProxyReplacement: s.network?.cilium?.kubeProxyReplacement ?? DEFAULTS.network.cilium.kubeProxyReplacement,
      },
      multus: s.network?.multus ?? DEFAULTS.network.multus,
    },
    addons: {
      nodeLocalDNS: s.addons?.nodeLocalDNS ?? DEFAULTS.addons.nodeLocalDNS,
      nodeLocalDNSAddress,
      metricsServer: s.addons?.metricsServer ?? DEFAULTS.addons.metricsServer,
      ...addonSettings(s.addons, artifacts.registry),
    },
    appAddons: appAddons(spec),
    artifacts,
    provider: s.provider?.name ?? DEFAULTS.provider,
    ignition: {
      version: s.ignition?.version ?? DEFAULTS.ignition.version,
      configUrlBase: s.ignition?.configUrlBase?.replace(/\/+$/, ''),
    },
    cloudInit: { payloadUrlBase: s.cloudInit?.payloadUrlBase?.replace(/\/+$/, '') },
    secrets: {
      delivery: s.secrets?.delivery ?? DEFAULTS.secrets.delivery,
      urlBase: s.secrets?.urlBase?.replace(/\/+$/, ''),
      caCert: s.secrets?.caCert,
    },
    sshAuthorizedKeys: s.ssh?.authorizedKeys ?? [],
    versions,
    images: images(versions, artifacts.registry),
    custom: clusterCustomization(spec),
    nodes,
  };
}

/**
 * Names for every apiserver certificate besides kubeadm's own per-node list (which has the node's
 * advertise address and the primary family's Service IP): the user's endpoint host and, with IPv6,
 * IPv6 loopback; dual-stack also the secondary family's Service IP and every control plane's
 * secondary address. One list for the whole cluster, because kubeadm's ClusterConfiguration
 * certSANs (what `kubeadm certs renew` reissues from) is one list.
 */
function extraSANs(endpointHost: string | undefined, apiServiceIPs: string[], nodes: NodeModel[], userSANs: string[]): string[] {
  const secondary = apiServiceIPs.length === 2 ? [apiServiceIPs[1]!, ...nodes.filter((n) => n.isControlPlane).flatMap((n) => n.addresses.slice(1))] : [];
  const v6 = apiServiceIPs.some((ip) => ip.includes(':')) ? ['::1'] : [];
  return [...new Set([...(endpointHost ? [endpointHost] : []), ...v6, ...secondary, ...userSANs])];
}

/** Rules have checked that a chosen certManager/metallb has its checksum and pools. */
function appAddons(spec: ClusterSpec): ClusterModel['appAddons'] {
  const a = spec.spec.addons ?? {};
  const m = a.metallb;
  return {
    versions: appAddonVersions(),
    argocd: a.argocd ?? DEFAULTS.appAddons.argocd,
    ...(a.certManager ? { certManager: { manifestSha256: a.certManager.manifestSha256!.toLowerCase() } } : {}),
    ...(m
      ? {
          metallb: {
            addressPools: (m.addressPools ?? []).map((p) => ({ name: p.name, addresses: [...p.addresses] })),
            l2: m.l2 ?? DEFAULTS.appAddons.metallbL2,
            manifestSha256: m.manifestSha256!.toLowerCase(),
          },
        }
      : {}),
  };
}

function runtimeModel(r: ClusterSpec['spec']['containerRuntime'], kubernetes: string): ClusterModel['containerRuntime'] {
  const name = r?.name ?? DEFAULTS.containerRuntime.name;
  // Rules made sure a cri-o exists for this minor and a pinned version is in the catalog.
  const version = r?.version ?? (name === 'cri-o' ? crioVersionFor(kubernetes)! : componentVersions(kubernetes).containerd);
  const registryMirrors = (r?.registryMirrors ?? []).map((m) => ({ host: m.host, endpoints: [...m.endpoints], skipVerify: m.skipVerify ?? false }));
  return { name, version, registryMirrors };
}

function buildNodes(spec: ClusterSpec): NodeModel[] {
  const stacked = (spec.spec.etcd?.topology ?? DEFAULTS.etcd.topology) === 'stacked';
  const common = (n: { roles: NodeModel['roles']; os?: NodeModel['os']; arch?: NodeModel['arch']; labels?: Record<string, string>; taints?: NodeModel['taints'] }) => {
    const roles = [...new Set(n.roles)].sort();
    const isControlPlane = roles.includes('control-plane');
    return {
      roles,
      isControlPlane,
      isEtcd: roles.includes('etcd') || (stacked && isControlPlane),
      os: n.os ?? DEFAULTS.node.os,
      arch: n.arch ?? DEFAULTS.node.arch,
      labels: sortedRecord(n.labels ?? {}),
      taints: n.taints ?? [],
    };
  };
  const fixed: NodeModel[] = (spec.spec.nodes ?? []).map((n, i) => {
    // Rules have checked the address parses, one per cluster family, in the cluster's order.
    const addresses = parseAddresses(n.address)!.map((ip) => ip.text);
    return {
    name: n.name,
    kind: 'node' as const,
    address: addresses[0],
    addresses,
    count: 1,
    isFirstControlPlane: false,
    specPath: ['spec', 'nodes', i],
    custom: nodeCustomization(spec, n, ['spec', 'nodes', i]),
    ...common(n),
    };
  });
  const pools: NodeModel[] = (spec.spec.pools ?? []).map((p, i) => ({
    name: p.name,
    kind: 'pool',
    addresses: [],
    count: p.count ?? 1,
    isFirstControlPlane: false,
    specPath: ['spec', 'pools', i],
    custom: nodeCustomization(spec, p, ['spec', 'pools', i]),
    ...common(p),
  }));
  // The first control-plane node in spec order runs `kubeadm init`: deterministic and documented.
  const first = fixed.find((n) => n.isControlPlane);
  if (first) first.isFirstControlPlane = true;
  return [...fixed, ...pools];
}

function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Calico's choices with their defaults: BGP unless VXLAN carries the traffic (Kubespray's vxlan backend). */
function calicoModel(c: { encapsulation?: 'vxlan' | 'ipip' | 'none'; bgp?: boolean; crossSubnet?: boolean; blockSize?: number } | undefined) {
  const encapsulation = c?.encapsulation ?? DEFAULTS.network.calico.encapsulation;
  return {
    encapsulation,
    bgp: c?.bgp ?? encapsulation !== 'vxlan',
    crossSubnet: c?.crossSubnet ?? DEFAULTS.network.calico.crossSubnet,
    blockSize: c?.blockSize ?? DEFAULTS.network.calico.blockSize,
  };
}
