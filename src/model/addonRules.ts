// Named rules for spec.addons settings (CoreDNS, dns-autoscaler, local-path-provisioner, registry),
// run with the others by rules.ts. One invariant each; messages in errors/messages.ts.
import type { Problem, SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { DEFAULTS } from './defaults.js';
import { parseIp } from './address.js';
import type { Rule } from './rule.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const isLabel = (s: string) => s.length <= 63 && DNS1123_LABEL.test(s);
const isSubdomain = (s: string) => s.length <= 253 && s.split('.').every(isLabel);

/** a.b.c.d[:port], an IPv6 address, or [v6]:port: what CoreDNS's forward plugin takes. */
export function isDnsServer(text: string): boolean {
  if (parseIp(text)?.family === 'IPv6') return true;
  const m = /^([\d.]+)(?::(\d{1,5}))?$/.exec(text) ?? /^\[([0-9a-fA-F:]+)\](?::(\d{1,5}))$/.exec(text);
  if (!m || parseIp(m[1]!) === undefined) return false;
  return m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535);
}

const addonsPath = (...rest: Array<string | number>): SpecPath => ['spec', 'addons', ...rest];
const isOn = (x: { enabled?: boolean } | undefined) => x !== undefined && x.enabled !== false;

export const addonRules: Rule[] = [
  {
    name: 'dns-server-address',
    check: (spec) => {
      const dns = spec.spec.addons?.coredns;
      const servers: Array<[string, SpecPath]> = [
        ...(dns?.upstreamServers ?? []).map((s, i): [string, SpecPath] => [s, addonsPath('coredns', 'upstreamServers', i)]),
        ...(dns?.zones ?? []).flatMap((z, zi) => z.servers.map((s, i): [string, SpecPath] => [s, addonsPath('coredns', 'zones', zi, 'servers', i)])),
      ];
      return servers.filter(([s]) => !isDnsServer(s)).map(([s, path]) => ({ ...messages.badDnsServer(s), path }));
    },
  },
  {
    name: 'coredns-zone-name',
    // The main server block answers the cluster domain and reverse zones from the API, and "."
    // from the upstream servers: a stub domain for any of those would shadow or fight it.
    check: (spec) => {
      const domain = (spec.spec.kubernetes?.clusterDomain ?? DEFAULTS.kubernetes.clusterDomain).toLowerCase();
      const owned = [domain, 'in-addr.arpa', 'ip6.arpa'];
      const seen = new Set<string>();
      const out: Problem[] = [];
      (spec.spec.addons?.coredns?.zones ?? []).forEach((z, i) => {
        const name = z.name.replace(/\.$/, '').toLowerCase();
        const path = addonsPath('coredns', 'zones', i, 'name');
        if (name === '' || owned.some((o) => name === o || name.endsWith(`.${o}`))) out.push({ ...messages.badDnsZone(z.name, domain, 'cluster'), path });
        else if (!isSubdomain(name)) out.push({ ...messages.badDnsZone(z.name, domain, 'syntax'), path });
        else if (seen.has(name)) out.push({ ...messages.badDnsZone(z.name, domain, 'duplicate'), path });
        seen.add(name);
      });
      return out;
    },
  },
  {
    name: 'dns-autoscaler-bounds',
    check: (spec) => {
      const a = spec.spec.addons?.dnsAutoscaler;
      const min = a?.min ?? DEFAULTS.dnsAutoscaler.min;
      if (a?.max === undefined || a.max >= min) return [];
      return [{ ...messages.dnsAutoscalerBounds(min, a.max), path: addonsPath('dnsAutoscaler', 'max') }];
    },
  },
  {
    name: 'registry-size-needs-storage-class',
    check: (spec) => {
      const r = spec.spec.addons?.registry;
      return r?.size !== undefined && r.storageClass === undefined ? [{ ...messages.registrySizeWithoutClass(), path: addonsPath('registry', 'size') }] : [];
    },
  },
  {
    name: 'registry-claim-provisioner',
    // The one StorageClass kspray knows the cluster lacks: local-path's, when its provisioner is off.
    check: (spec) => {
      const a = spec.spec.addons;
      if (!a || !isOn(a.registry) || isOn(a.localPathProvisioner)) return [];
      const cls = a.registry!.storageClass; // on, so present
      const lppClass = a.localPathProvisioner?.storageClass ?? DEFAULTS.localPathProvisioner.storageClass;
      return cls === lppClass ? [{ ...messages.registryClaimWithoutProvisioner(cls), path: addonsPath('registry', 'storageClass') }] : [];
    },
  },
  {
    name: 'addon-object-names',
    check: (spec) => {
      const a = spec.spec.addons;
      const names: Array<['namespace' | 'StorageClass', string | undefined, SpecPath, (s: string) => boolean]> = [
        ['namespace', a?.localPathProvisioner?.namespace, addonsPath('localPathProvisioner', 'namespace'), isLabel],
        ['StorageClass', a?.localPathProvisioner?.storageClass, addonsPath('localPathProvisioner', 'storageClass'), isSubdomain],
        ['namespace', a?.registry?.namespace, addonsPath('registry', 'namespace'), isLabel],
        ['StorageClass', a?.registry?.storageClass, addonsPath('registry', 'storageClass'), isSubdomain],
      ];
      return names.filter(([, v, , ok]) => v !== undefined && !ok(v)).map(([what, v, path]) => ({ ...messages.badAddonName(what, v!), path }));
    },
  },
  {
    name: 'local-path-claim-root',
    check: (spec) => {
      const root = spec.spec.addons?.localPathProvisioner?.claimRoot;
      if (root === undefined || (root.startsWith('/') && root.replace(/\/+/g, '/') !== '/' && !root.split('/').includes('..'))) return [];
      return [{ ...messages.badClaimRoot(root), path: addonsPath('localPathProvisioner', 'claimRoot') }];
    },
  },
];
