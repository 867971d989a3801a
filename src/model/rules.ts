// Named validation rules, one invariant each. They run on the spec as written (so paths point at
// what the user typed) after the shape check; every failing rule is reported, not just the first.
import { formatSpecPath, type Problem, type SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { kubernetesVersions } from '../catalog/catalog.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import { cidrContains, cidrsOverlap, parseCidr, parseIPv4, type Cidr } from './ipv4.js';
import { DEFAULTS } from './defaults.js';
import { appAddonVersions, certManagerManifestUrl, metallbManifestUrl } from '../catalog/appAddons.js';
import { networkRules } from './networkRules.js';
import { runtimeRules } from './runtimeRules.js';
import { addonRules } from './addonRules.js';
import { secretsRules } from './secretsRules.js';
import { nameRules } from './nameRules.js';

import type { Rule } from './rule.js';

export type { Rule } from './rule.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface Declared {
  name: string;
  roles: string[];
  address?: string;
  path: SpecPath;
}

function declared(spec: ClusterSpec): Declared[] {
  const s = spec.spec;
  return [
    ...(s.nodes ?? []).map((n, i) => ({ name: n.name, roles: n.roles, address: n.address, path: ['spec', 'nodes', i] })),
    ...(s.pools ?? []).map((p, i) => ({ name: p.name, roles: p.roles, path: ['spec', 'pools', i] })),
  ];
}

const cidrFields = (spec: ClusterSpec): Array<{ key: 'serviceSubnet' | 'podSubnet'; text: string; path: SpecPath }> =>
  (['serviceSubnet', 'podSubnet'] as const).map((key) => ({
    key,
    text: spec.spec.kubernetes?.[key] ?? DEFAULTS.kubernetes[key],
    path: spec.spec.kubernetes?.[key] ? ['spec', 'kubernetes', key] : ['spec', 'kubernetes'],
  }));

export const rules: Rule[] = [
  {
    name: 'dns1123-name',
    check: (spec) => {
      const names: Array<[string, SpecPath]> = [
        [spec.metadata.name, ['metadata', 'name']],
        ...declared(spec).map((d): [string, SpecPath] => [d.name, [...d.path, 'name']]),
      ];
      return names
        .filter(([name]) => name.length > 63 || !DNS1123_LABEL.test(name))
        .map(([name, path]) => ({ ...messages.notDns1123(name), path }));
    },
  },
  {
    name: 'valid-cidr',
    check: (spec) =>
      cidrFields(spec)
        .filter((f) => !parseCidr(f.text))
        .map((f) => ({ ...messages.badCidr(f.key, f.text), path: f.path })),
  },
  {
    name: 'cidr-overlap',
    check: (spec) => {
      const [svc, pod] = cidrFields(spec);
      const a = parseCidr(svc!.text);
      const b = parseCidr(pod!.text);
      if (!a || !b || !cidrsOverlap(a, b)) return [];
      // Point at the subnet the user wrote (both defaults never overlap).
      const written = spec.spec.kubernetes?.podSubnet ? pod! : svc!;
      return [{ ...messages.cidrOverlap(svc!.text, pod!.text), path: written.path }];
    },
  },
  {
    name: 'node-cidr-fits-pod-subnet',
    check: (spec) => {
      const podField = cidrFields(spec)[1]!;
      const pod = parseCidr(podField.text);
      const written = spec.spec.kubernetes?.nodeCidrMaskSize;
      const mask = written ?? DEFAULTS.kubernetes.nodeCidrMaskSize;
      if (!pod || mask > pod.prefix) return [];
      // With the default mask, the podSubnet the user wrote is what is too small.
      const path: SpecPath = written !== undefined ? ['spec', 'kubernetes', 'nodeCidrMaskSize'] : podField.path;
      return [{ ...messages.nodeCidrTooBig(mask, pod.prefix), path }];
    },
  },
  {
    name: 'valid-address',
    check: (spec) =>
      declared(spec)
        .filter((d) => d.address !== undefined && parseIPv4(d.address) === undefined)
        .map((d) => ({ ...messages.badAddress(d.address!), path: [...d.path, 'address'] })),
  },
  {
    name: 'address-outside-cluster-subnets',
    check: (spec) => {
      const subnets = cidrFields(spec)
        .map((f) => ({ f, c: parseCidr(f.text) }))
        .filter((x): x is { f: ReturnType<typeof cidrFields>[number]; c: Cidr } => !!x.c);
      return declared(spec).flatMap((d) => {
        const ip = d.address === undefined ? undefined : parseIPv4(d.address);
        if (ip === undefined) return [];
        const hit = subnets.find((s) => cidrContains(s.c, ip));
        return hit ? [{ ...messages.addressInClusterSubnet(d.address!, hit.f.key, hit.f.text), path: [...d.path, 'address'] }] : [];
      });
    },
  },
  {
    name: 'unique-node-names',
    check: (spec) =>
      duplicates(declared(spec), (d) => d.name, (d, first) => ({ ...messages.duplicateName(d.name, formatSpecPath(first.path)), path: [...d.path, 'name'] })),
  },
  {
    name: 'unique-addresses',
    check: (spec) =>
      duplicates(
        declared(spec).filter((d) => d.address !== undefined),
        (d) => d.address!,
        (d, first) => ({ ...messages.duplicateAddress(d.address!, first.name), path: [...d.path, 'address'] }),
      ),
  },
  {
    name: 'has-control-plane',
    check: (spec) =>
      declared(spec).some((d) => d.roles.includes('control-plane'))
        ? []
        : [{ ...messages.noControlPlane(), path: spec.spec.nodes ? ['spec', 'nodes'] : ['spec'] }],
  },
  {
    name: 'control-plane-has-fixed-address',
    check: (spec) =>
      (spec.spec.pools ?? []).flatMap((p, i) =>
        p.roles.includes('control-plane') || p.roles.includes('etcd')
          ? [{ ...messages.controlPlaneInPool(p.name), path: ['spec', 'pools', i, 'roles'] }]
          : [],
      ),
  },
  {
    name: 'stacked-etcd-on-control-plane',
    check: (spec) => {
      if ((spec.spec.etcd?.topology ?? DEFAULTS.etcd.topology) !== 'stacked') return [];
      return (spec.spec.nodes ?? []).flatMap((n, i) =>
        n.roles.includes('etcd') && !n.roles.includes('control-plane')
          ? [{ ...messages.etcdRoleWithoutControlPlane(n.name), path: ['spec', 'nodes', i, 'roles'] }]
          : [],
      );
    },
  },
  {
    name: 'external-etcd-has-members',
    check: (spec) => {
      if ((spec.spec.etcd?.topology ?? DEFAULTS.etcd.topology) !== 'external') return [];
      return (spec.spec.nodes ?? []).some((n) => n.roles.includes('etcd'))
        ? []
        : [{ ...messages.externalEtcdNoMembers(), path: ['spec', 'etcd', 'topology'] }];
    },
  },
  {
    name: 'external-etcd-dedicated',
    // External members run etcd as a systemd service and nothing else (no kubelet): the node
    // program has one action per node, and an apiserver next to its own etcd is what stacked is for.
    check: (spec) => {
      if ((spec.spec.etcd?.topology ?? DEFAULTS.etcd.topology) !== 'external') return [];
      return (spec.spec.nodes ?? []).flatMap((n, i) =>
        n.roles.includes('etcd') && n.roles.some((r) => r !== 'etcd')
          ? [{ ...messages.externalEtcdDedicated(n.name), path: ['spec', 'nodes', i, 'roles'] }]
          : [],
      );
    },
  },
  {
    name: 'odd-etcd-members',
    check: (spec) => {
      // Stacked: every control-plane node is a member; external: only the etcd-role nodes are.
      const stacked = (spec.spec.etcd?.topology ?? DEFAULTS.etcd.topology) === 'stacked';
      const members = (spec.spec.nodes ?? []).filter((n) => n.roles.includes('etcd') || (stacked && n.roles.includes('control-plane')));
      if (members.length === 0 || members.length % 2 === 1) return [];
      return [{ ...messages.evenEtcd(members.length), path: ['spec', 'nodes'] }];
    },
  },
  {
    name: 'known-kubernetes-version',
    check: (spec) => {
      const v = spec.spec.kubernetes?.version;
      if (v === undefined) return [];
      const known = kubernetesVersions();
      return known.includes(v) ? [] : [{ ...messages.unknownKubernetesVersion(v, known), path: ['spec', 'kubernetes', 'version'] }];
    },
  },
  {
    name: 'external-lb-needs-endpoint',
    check: (spec) =>
      spec.spec.controlPlane?.loadBalancer === 'external' && !spec.spec.controlPlane.endpoint
        ? [{ ...messages.externalNeedsEndpoint(), path: ['spec', 'controlPlane', 'loadBalancer'] }]
        : [],
  },
  {
    name: 'ignition-config-url',
    // Ignition fetches the full config itself: only schemes it supports (spec 3.3: http, https,
    // s3, gs, tftp, data; data makes no sense for a base URL and tftp is not for configs with keys).
    check: (spec) => {
      const base = spec.spec.ignition?.configUrlBase;
      if (base === undefined || isIgnitionUrlBase(base)) return [];
      return [{ ...messages.badIgnitionUrlBase(base), path: ['spec', 'ignition', 'configUrlBase'] }];
    },
  },
  {
    name: 'kube-vip-needs-vip',
    // kube-vip (ARP) moves one address between the control planes, which serve it on their own
    // bind port: the endpoint must be that address, and that port.
    check: (spec) => {
      const cp = spec.spec.controlPlane;
      if (cp?.loadBalancer !== 'kube-vip') return [];
      const bindPort = cp.port ?? DEFAULTS.controlPlane.port;
      const e = cp.endpoint === undefined ? undefined : parseEndpoint(cp.endpoint);
      if (cp.endpoint !== undefined && !e) return []; // valid-endpoint reports it
      if (e && parseIPv4(e.host) !== undefined && (e.port ?? bindPort) === bindPort) return [];
      const path: SpecPath = cp.endpoint === undefined ? ['spec', 'controlPlane', 'loadBalancer'] : ['spec', 'controlPlane', 'endpoint'];
      return [{ ...messages.kubeVipNeedsVip(cp.endpoint, bindPort), path }];
    },
  },
  {
    name: 'addon-manifest-checksum',
    // cert-manager and MetalLB have no checksum in Kubespray's data (catalog/appAddons.ts): the user
    // vouches for the upstream manifest, as Kubespray users vouch for the templates it vendors.
    check: (spec) => {
      const a = spec.spec.addons;
      const v = appAddonVersions();
      const mirror = spec.spec.artifacts?.mirror;
      const wanted: Array<[string, { manifestSha256?: string } | undefined, string, string]> = [
        ['certManager', a?.certManager, v.certManager, certManagerManifestUrl(v.certManager, mirror)],
        ['metallb', a?.metallb, v.metallb, metallbManifestUrl(v.metallb, mirror)],
      ];
      return wanted.flatMap(([name, addon, version, url]): Problem[] => {
        if (!addon) return [];
        const sha = addon.manifestSha256;
        if (sha === undefined) return [{ ...messages.addonManifestChecksum(name, version, url), path: ['spec', 'addons', name] }];
        if (/^[0-9a-fA-F]{64}$/.test(sha)) return [];
        return [{ ...messages.addonManifestChecksum(name, version, url, sha), path: ['spec', 'addons', name, 'manifestSha256'] }];
      });
    },
  },
  {
    name: 'metallb-address-pools',
    check: (spec) => {
      const m = spec.spec.addons?.metallb;
      if (!m) return [];
      const base: SpecPath = ['spec', 'addons', 'metallb'];
      if (!m.addressPools?.length) return [{ ...messages.metallbNoPools(), path: m.addressPools ? [...base, 'addressPools'] : base }];
      const seen = new Set<string>();
      return m.addressPools.flatMap((p, i): Problem[] => {
        const at: SpecPath = [...base, 'addressPools', i];
        const out: Problem[] = [];
        if (p.name.length > 63 || !DNS1123_LABEL.test(p.name)) out.push({ ...messages.notDns1123(p.name), path: [...at, 'name'] });
        else if (seen.has(p.name)) out.push({ ...messages.metallbDuplicatePool(p.name), path: [...at, 'name'] });
        seen.add(p.name);
        if (p.addresses.length === 0) out.push({ ...messages.metallbPoolEmpty(p.name), path: [...at, 'addresses'] });
        p.addresses.forEach((text, j) => {
          if (!parseAddressRange(text)) out.push({ ...messages.metallbBadAddress(text), path: [...at, 'addresses', j] });
        });
        return out;
      });
    },
  },
  {
    name: 'metallb-pools-outside-cluster-subnets',
    // A LoadBalancer address inside the pod or service subnet would be routed into the cluster
    // network by every node instead of reaching the speaker that announces it.
    check: (spec) => {
      const subnets = cidrFields(spec).flatMap((f) => {
        const c = parseCidr(f.text);
        return c ? [{ f, c }] : [];
      });
      return (spec.spec.addons?.metallb?.addressPools ?? []).flatMap((p, i) =>
        p.addresses.flatMap((text, j): Problem[] => {
          const r = parseAddressRange(text);
          const hit = r && subnets.find((s) => rangesOverlap(r, cidrRange(s.c)));
          return hit ? [{ ...messages.metallbPoolInClusterSubnet(text, hit.f.key, hit.f.text), path: ['spec', 'addons', 'metallb', 'addressPools', i, 'addresses', j] }] : [];
        }),
      );
    },
  },
  {
    name: 'metallb-pools-exclude-node-addresses',
    // MetalLB would hand a node's own address (or kube-vip's VIP) to a Service and answer ARP for it.
    check: (spec) => {
      const taken: Array<{ ip: number; what: string }> = declared(spec).flatMap((d) => {
        const ip = d.address === undefined ? undefined : parseIPv4(d.address);
        return ip === undefined ? [] : [{ ip, what: `the address of node "${d.name}"` }];
      });
      const endpoint = spec.spec.controlPlane?.endpoint;
      const vip = endpoint === undefined ? undefined : parseIPv4(parseEndpoint(endpoint)?.host ?? '');
      if (vip !== undefined) taken.push({ ip: vip, what: 'the controlPlane.endpoint address' });
      return (spec.spec.addons?.metallb?.addressPools ?? []).flatMap((p, i) =>
        p.addresses.flatMap((text, j): Problem[] => {
          const r = parseAddressRange(text);
          const hit = r && taken.find((t) => t.ip >= r.first && t.ip <= r.last);
          return hit ? [{ ...messages.metallbPoolHasNodeAddress(text, hit.what), path: ['spec', 'addons', 'metallb', 'addressPools', i, 'addresses', j] }] : [];
        }),
      );
    },
  },
  {
    name: 'valid-endpoint',
    check: (spec) => {
      const e = spec.spec.controlPlane?.endpoint;
      if (e === undefined || parseEndpoint(e)) return [];
      return [{ ...messages.badEndpoint(e), path: ['spec', 'controlPlane', 'endpoint'] }];
    },
  },
  ...networkRules,
  ...runtimeRules,
  ...addonRules,
  ...secretsRules,
  ...nameRules,
];

/** A MetalLB pool entry, "a.b.c.d/p" or "first-last", as the inclusive range of addresses it holds. */
export function parseAddressRange(text: string): { first: number; last: number } | undefined {
  const cidr = parseCidr(text);
  if (cidr) return cidrRange(cidr);
  const [a, b, ...rest] = text.split('-').map((x) => x.trim());
  if (rest.length || a === undefined || b === undefined) return undefined;
  const first = parseIPv4(a);
  const last = parseIPv4(b);
  return first !== undefined && last !== undefined && first <= last ? { first, last } : undefined;
}

function cidrRange(c: Cidr): { first: number; last: number } {
  return { first: c.base, last: (c.base + 2 ** (32 - c.prefix) - 1) >>> 0 };
}

const rangesOverlap = (a: { first: number; last: number }, b: { first: number; last: number }) => a.first <= b.last && b.first <= a.last;

/** A base URL Ignition can fetch configs under (also checks `render --ignition-url-base`). */
export function isIgnitionUrlBase(text: string): boolean {
  return /^(https?|s3|gs):\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(text);
}

/** "host" or "host:port"; host is a DNS name or an IPv4 address. */
export function parseEndpoint(text: string): { host: string; port?: number } | undefined {
  const m = /^([a-zA-Z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const host = m[1]!;
  if (/^[\d.]+$/.test(host) ? parseIPv4(host) === undefined : !host.split('.').every((l) => DNS1123_LABEL.test(l.toLowerCase())))
    return undefined;
  return { host, port };
}

function duplicates<T>(items: T[], key: (t: T) => string, report: (dup: T, first: T) => Problem): Problem[] {
  const seen = new Map<string, T>();
  const out: Problem[] = [];
  for (const item of items) {
    const k = key(item);
    const first = seen.get(k);
    if (first) out.push(report(item, first));
    else seen.set(k, item);
  }
  return out;
}

export function runRules(spec: ClusterSpec): Problem[] {
  return rules.flatMap((r) => r.check(spec).map((p) => ({ ...p, rule: p.rule ?? r.name })));
}
