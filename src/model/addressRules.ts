// Named rules for the cluster's addresses, one invariant each, for both IP families: the subnets
// parse (one CIDR or an IPv4,IPv6 pair), agree on their families, do not overlap, the per-node pod
// ranges fit; node addresses parse, belong to the cluster's families, sit outside its subnets and
// are not shared. Part of rules.ts's list.
import type { Problem, SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import { apparentFamily, cidrContains, cidrsOverlap, parseCidrDetailed, parseIp, splitList, type IpFamily } from './address.js';
import { DEFAULTS } from './defaults.js';
import { cidrOf, describeFamilies, familiesOf, parseAddresses, parseSubnets, specStack, subnetFields } from './stack.js';
import type { Rule } from './rule.js';

/** kube-controller-manager's cidrset refuses IPv6 node ranges more than this many bits below the cluster CIDR. */
const MAX_IPV6_NODE_CIDR_BITS = 16;

interface DeclaredAddress {
  name: string;
  text: string;
  path: SpecPath;
}

const declaredAddresses = (spec: ClusterSpec): DeclaredAddress[] =>
  (spec.spec.nodes ?? []).map((n, i) => ({ name: n.name, text: n.address, path: ['spec', 'nodes', i, 'address'] }));

const K8S: SpecPath = ['spec', 'kubernetes'];

export const addressRules: Rule[] = [
  {
    name: 'valid-cidr',
    check: (spec) =>
      subnetFields(spec).flatMap((f): Problem[] => {
        const parts = splitList(f.text);
        if (parts.length > 2) return [{ ...messages.tooManyCidrs(f.key, f.text), path: f.path }];
        const problems = parts.flatMap((part): Problem[] => {
          const r = parseCidrDetailed(part);
          if (r.problem === 'syntax') return [{ ...messages.badCidr(f.key, part, r.family), path: f.path }];
          if (r.problem === 'host-bits') return [{ ...messages.cidrHostBits(f.key, part, r.family, r.network), path: f.path }];
          return [];
        });
        if (problems.length) return problems;
        const fams = parts.map((p) => parseCidrDetailed(p).cidr!.family);
        // One CIDR has no fams[1]; more than two were refused above.
        return fams[0] === fams[1] ? [{ ...messages.twoCidrsOneFamily(f.key, f.text, fams[0]!), path: f.path }] : [];
      }),
  },
  {
    name: 'subnet-families-match',
    check: (spec) => {
      const [svc, pod] = subnetFields(spec);
      const a = parseSubnets(svc!.text);
      const b = parseSubnets(pod!.text);
      if (!a || !b || familiesOf(a).join() === familiesOf(b).join()) return [];
      // Point at the subnet the user wrote (the defaults agree with each other).
      const written = pod!.written ? pod! : svc!;
      return [{ ...messages.subnetFamiliesDiffer(svc!.text, describeFamilies(familiesOf(a)), pod!.text, describeFamilies(familiesOf(b))), path: written.path }];
    },
  },
  {
    name: 'cidr-overlap',
    check: (spec) => {
      const stack = specStack(spec);
      if (!stack) return [];
      const [svc, pod] = subnetFields(spec);
      const written = pod!.written ? pod! : svc!;
      return stack.families.flatMap((family): Problem[] => {
        const a = cidrOf(stack.service, family)!;
        const b = cidrOf(stack.pod, family)!;
        return cidrsOverlap(a, b) ? [{ ...messages.cidrOverlap(a.text, b.text, family), path: written.path }] : [];
      });
    },
  },
  {
    name: 'node-cidr-mask-family',
    // A mask for a family the pod subnet does not have would be ignored silently.
    check: (spec) => {
      const k = spec.spec.kubernetes;
      const pod = parseSubnets(subnetFields(spec)[1]!.text);
      if (!pod) return [];
      const out: Problem[] = [];
      const has = (f: IpFamily) => pod.some((c) => c.family === f);
      if (k?.nodeCidrMaskSize !== undefined && !has('IPv4')) out.push({ ...messages.maskWithoutFamily('nodeCidrMaskSize', 'IPv4', subnetFields(spec)[1]!.text), path: [...K8S, 'nodeCidrMaskSize'] });
      if (k?.nodeCidrMaskSizeIPv6 !== undefined && !has('IPv6'))
        out.push({ ...messages.maskWithoutFamily('nodeCidrMaskSizeIPv6', 'IPv6', subnetFields(spec)[1]!.text), path: [...K8S, 'nodeCidrMaskSizeIPv6'] });
      return out;
    },
  },
  {
    name: 'node-cidr-fits-pod-subnet',
    check: (spec) => {
      const podField = subnetFields(spec)[1]!;
      const pod = parseSubnets(podField.text);
      if (!pod) return [];
      const k = spec.spec.kubernetes;
      return pod.flatMap((c): Problem[] => {
        const field = c.family === 'IPv4' ? 'nodeCidrMaskSize' : 'nodeCidrMaskSizeIPv6';
        const written = k?.[field];
        const mask = written ?? DEFAULTS.kubernetes[field];
        // With the default mask, the podSubnet the user wrote is what does not fit.
        const path: SpecPath = written !== undefined ? [...K8S, field] : podField.path;
        if (mask <= c.prefix) return [{ ...messages.nodeCidrTooBig(mask, c.prefix, c.family), path }];
        if (c.family === 'IPv6' && mask - c.prefix > MAX_IPV6_NODE_CIDR_BITS) return [{ ...messages.nodeCidrTooManyNodes(mask, c.prefix), path }];
        return [];
      });
    },
  },
  {
    name: 'valid-address',
    check: (spec) =>
      declaredAddresses(spec).flatMap((d): Problem[] => {
        const parts = splitList(d.text);
        if (parts.length > 2) return [{ ...messages.tooManyAddresses(d.text), path: d.path }];
        const bad = parts.filter((p) => !parseIp(p));
        if (bad.length) return bad.map((p) => ({ ...messages.badAddress(p, apparentFamily(p)), path: d.path }));
        const fams = parts.map((p) => parseIp(p)!.family);
        return fams[0] === fams[1] ? [{ ...messages.twoAddressesOneFamily(d.text, fams[0]!), path: d.path }] : [];
      }),
  },
  {
    name: 'address-family-matches-cluster',
    // kubelet's --node-ip, the advertise addresses and every plugin's autodetection need the node's
    // address of each family the cluster has, and only those.
    check: (spec) => {
      const stack = specStack(spec);
      if (!stack) return [];
      const order = stack.families.join(',');
      return declaredAddresses(spec).flatMap((d): Problem[] => {
        const ips = parseAddresses(d.text);
        if (!ips) return [];
        const foreign = ips.find((ip) => !stack.families.includes(ip.family));
        if (foreign) return [{ ...messages.addressFamilyNotInCluster(foreign.text, foreign.family, stack.families[0]!), path: d.path }];
        const missing = stack.families.find((f) => !ips.some((ip) => ip.family === f));
        if (missing) return [{ ...messages.dualStackNodeNeedsBoth(d.text, missing, order), path: d.path }];
        return familiesOf(ips).join(',') === order ? [] : [{ ...messages.addressOrder(d.text, order), path: d.path }];
      });
    },
  },
  {
    name: 'address-outside-cluster-subnets',
    check: (spec) => {
      // Stryker disable next-line ArrayDeclaration: a stray element is no CIDR and holds no address
      const fields = subnetFields(spec).flatMap((f) => (parseSubnets(f.text) ?? []).map((c) => ({ f, c })));
      return declaredAddresses(spec).flatMap((d) =>
        // Stryker disable next-line ArrayDeclaration: a stray element is no address of any family and lies in no subnet
        (parseAddresses(d.text) ?? []).flatMap((ip): Problem[] => {
          const hit = fields.find((s) => cidrContains(s.c, ip));
          return hit ? [{ ...messages.addressInClusterSubnet(ip.text, hit.f.key, hit.c.text), path: d.path }] : [];
        }),
      );
    },
  },
  {
    name: 'unique-addresses',
    check: (spec) => {
      const seen = new Map<string, string>();
      return declaredAddresses(spec).flatMap((d) =>
        (parseAddresses(d.text) ?? []).flatMap((ip): Problem[] => {
          const first = seen.get(ip.text);
          if (first !== undefined) return [{ ...messages.duplicateAddress(ip.text, first), path: d.path }];
          seen.set(ip.text, d.name);
          return [];
        }),
      );
    },
  },
];
