// model/ stage: spec as written → ClusterModel (defaults applied, rules passed).
import { KsprayError } from '../errors/errors.js';
import { componentVersions, defaultKubernetesVersion, images, minorOf } from '../catalog/catalog.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import { DEFAULTS } from './defaults.js';
import { appAddonVersions } from '../catalog/appAddons.js';
import { nthAddress, parseCidr } from './ipv4.js';
import type { ClusterModel, NodeModel } from './model.js';
import { parseEndpoint, runRules } from './rules.js';
import { noProxyList } from './noProxy.js';
import { crioVersionFor } from '../catalog/runtime.js';
import { addonSettings } from './addonSettings.js';

export function toModel(spec: ClusterSpec, file?: string): ClusterModel {
  const problems = runRules(spec);
  if (problems.length > 0) throw new KsprayError('input', problems, file);

  const s = spec.spec;
  const k = s.kubernetes ?? {};
  const version = k.version ?? defaultKubernetesVersion();
  const serviceSubnet = k.serviceSubnet ?? DEFAULTS.kubernetes.serviceSubnet;
  const svc = parseCidr(serviceSubnet)!;
  const podSubnet = k.podSubnet ?? DEFAULTS.kubernetes.podSubnet;
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
    loadBalancer === 'localhost' ? `${first.address}:${bindPort}` : `${clientEndpoint.host}:${clientEndpoint.port}`;

  return {
    name: spec.metadata.name,
    kubernetes: {
      version,
      minor: minorOf(version),
      serviceSubnet,
      podSubnet,
      nodeCidrMaskSize: k.nodeCidrMaskSize ?? DEFAULTS.kubernetes.nodeCidrMaskSize,
      clusterDomain,
      proxyMode: k.proxyMode ?? DEFAULTS.kubernetes.proxyMode,
      featureGates: sortedRecord(k.featureGates ?? {}),
      apiServiceIP: nthAddress(svc, 1),
      dnsServiceIP: nthAddress(svc, 10),
    },
    controlPlane: {
      loadBalancer,
      localhostProxy: s.controlPlane?.localhostProxy ?? DEFAULTS.controlPlane.localhostProxy,
      bindPort,
      kubeadmEndpoint,
      clientEndpoint,
      extraSANs: userEndpoint ? [userEndpoint.host] : [],
    },
    etcd: { topology: s.etcd?.topology ?? DEFAULTS.etcd.topology },
    pki: {
      algorithm: s.pki?.algorithm ?? DEFAULTS.pki.algorithm,
      certValidityDays: s.pki?.certValidityDays ?? DEFAULTS.pki.certValidityDays,
      caValidityDays: s.pki?.caValidityDays ?? DEFAULTS.pki.caValidityDays,
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
            nodeLocalDNSAddress: DEFAULTS.addons.nodeLocalDNSAddress,
          }),
        }
      : undefined,
    network: {
      plugin: s.network?.plugin ?? DEFAULTS.network.plugin,
      mtu: s.network?.mtu ?? DEFAULTS.network.mtu,
      calico: { encapsulation: s.network?.calico?.encapsulation ?? DEFAULTS.network.calico.encapsulation },
      cilium: {
        tunnel: s.network?.cilium?.tunnel ?? DEFAULTS.network.cilium.tunnel,
        kubeProxyReplacement: s.network?.cilium?.kubeProxyReplacement ?? DEFAULTS.network.cilium.kubeProxyReplacement,
      },
      multus: s.network?.multus ?? DEFAULTS.network.multus,
    },
    addons: {
      nodeLocalDNS: s.addons?.nodeLocalDNS ?? DEFAULTS.addons.nodeLocalDNS,
      nodeLocalDNSAddress: DEFAULTS.addons.nodeLocalDNSAddress,
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
    nodes,
  };
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
  const fixed: NodeModel[] = (spec.spec.nodes ?? []).map((n, i) => ({
    name: n.name,
    kind: 'node',
    address: n.address,
    count: 1,
    isFirstControlPlane: false,
    specPath: ['spec', 'nodes', i],
    ...common(n),
  }));
  const pools: NodeModel[] = (spec.spec.pools ?? []).map((p, i) => ({
    name: p.name,
    kind: 'pool',
    count: p.count ?? 1,
    isFirstControlPlane: false,
    specPath: ['spec', 'pools', i],
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
