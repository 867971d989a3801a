// The normalized settings of the optional addons (CoreDNS settings, dns-autoscaler, helm,
// local-path-provisioner, registry): defaults applied, images and versions from the catalog, so
// the builders in src/plan/manifests/ read only this.
import { addonImages, addonVersions } from '../catalog/addons.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import { DEFAULTS } from './defaults.js';

export interface DnsZone {
  name: string;
  servers: string[];
  cache: number;
}

export interface AddonSettings {
  coredns: {
    /** True when the spec changes anything: only then does kspray apply its own Corefile. */
    customized: boolean;
    /** Where names outside the cluster go: the servers, or '/etc/resolv.conf' (kubeadm's default). */
    upstream: string[];
    zones: DnsZone[];
  };
  dnsAutoscaler: {
    enabled: boolean;
    coresPerReplica: number;
    nodesPerReplica: number;
    min: number;
    /** 0: no limit. */
    max: number;
    preventSinglePointFailure: boolean;
    image: string;
  };
  helm: { enabled: boolean; version: string };
  localPathProvisioner: {
    enabled: boolean;
    namespace: string;
    storageClass: string;
    reclaimPolicy: 'Delete' | 'Retain';
    claimRoot: string;
    defaultClass: boolean;
    image: string;
    helperImage: string;
  };
  registry: {
    enabled: boolean;
    namespace: string;
    port: number;
    /** Undefined: emptyDir. */
    persistence?: { storageClass: string; size: string };
    image: string;
  };
}

type Addons = NonNullable<ClusterSpec['spec']['addons']>;

/** An addon with a settings mapping is on when the mapping is present, unless it says enabled: false. */
const isOn = (x: { enabled?: boolean } | undefined): boolean => x !== undefined && x.enabled !== false;

export function addonSettings(a: Addons | undefined, registry?: string): AddonSettings {
  const versions = addonVersions();
  const images = addonImages(versions, registry);
  const dns = a?.coredns;
  const auto = a?.dnsAutoscaler;
  const lpp = a?.localPathProvisioner;
  const reg = a?.registry;
  const d = DEFAULTS;
  return {
    coredns: {
      customized: (dns?.upstreamServers?.length ?? 0) > 0 || (dns?.zones?.length ?? 0) > 0,
      upstream: dns?.upstreamServers ?? ['/etc/resolv.conf'],
      // A trailing dot is the same zone; CoreDNS server blocks are written without it.
      zones: (dns?.zones ?? []).map((z) => ({ name: z.name.replace(/\.$/, '').toLowerCase(), servers: z.servers, cache: z.cache ?? d.corednsZoneCache })),
    },
    dnsAutoscaler: {
      enabled: isOn(auto),
      coresPerReplica: auto?.coresPerReplica ?? d.dnsAutoscaler.coresPerReplica,
      nodesPerReplica: auto?.nodesPerReplica ?? d.dnsAutoscaler.nodesPerReplica,
      min: auto?.min ?? d.dnsAutoscaler.min,
      max: auto?.max ?? 0,
      preventSinglePointFailure: auto?.preventSinglePointFailure ?? d.dnsAutoscaler.preventSinglePointFailure,
      image: images.dnsAutoscaler,
    },
    helm: { enabled: a?.helm ?? false, version: versions.helm },
    localPathProvisioner: {
      enabled: isOn(lpp),
      namespace: lpp?.namespace ?? d.localPathProvisioner.namespace,
      storageClass: lpp?.storageClass ?? d.localPathProvisioner.storageClass,
      reclaimPolicy: lpp?.reclaimPolicy ?? d.localPathProvisioner.reclaimPolicy,
      claimRoot: lpp?.claimRoot ?? d.localPathProvisioner.claimRoot,
      defaultClass: lpp?.defaultClass ?? d.localPathProvisioner.defaultClass,
      image: images.localPathProvisioner,
      helperImage: images.localPathHelper,
    },
    registry: {
      enabled: isOn(reg),
      namespace: reg?.namespace ?? d.registry.namespace,
      port: reg?.port ?? d.registry.port,
      persistence: reg?.storageClass ? { storageClass: reg.storageClass, size: reg.size ?? d.registry.size } : undefined,
      image: images.registry,
    },
  };
}
