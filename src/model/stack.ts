// The cluster's IP families as the spec writes them: serviceSubnet and podSubnet each hold one CIDR
// or an IPv4,IPv6 pair (kubeadm's form, primary family first), node addresses one address or a pair
// (kubelet --node-ip). Rules (addressRules.ts) report what does not parse; toModel reads the result.
import type { SpecPath } from '../errors/errors.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import { DEFAULTS } from './defaults.js';
import { parseCidr, parseIp, splitList, type Cidr, type Ip, type IpFamily } from './address.js';

export type SubnetKey = 'serviceSubnet' | 'podSubnet';

export interface SubnetField {
  key: SubnetKey;
  text: string;
  /** The field when written, else spec.kubernetes (a default is nothing the user can point at). */
  path: SpecPath;
  written: boolean;
}

export const subnetFields = (spec: ClusterSpec): SubnetField[] =>
  (['serviceSubnet', 'podSubnet'] as const).map((key) => {
    const written = spec.spec.kubernetes?.[key];
    return { key, text: written ?? DEFAULTS.kubernetes[key], path: written ? ['spec', 'kubernetes', key] : ['spec', 'kubernetes'], written: written !== undefined };
  });

/** One CIDR or one of each family; undefined when anything in the list is wrong (valid-cidr says what). */
export function parseSubnets(text: string): Cidr[] | undefined {
  const parts = splitList(text);
  if (parts.length > 2) return undefined;
  const cidrs = parts.map(parseCidr);
  if (cidrs.some((c) => !c)) return undefined;
  const ok = cidrs as Cidr[];
  if (ok.length === 2 && ok[0]!.family === ok[1]!.family) return undefined;
  return ok;
}

/** One address or one of each family; undefined when anything in the list is wrong (valid-address says what). */
export function parseAddresses(text: string): Ip[] | undefined {
  const parts = splitList(text);
  if (parts.length > 2) return undefined;
  const ips = parts.map(parseIp);
  if (ips.some((i) => !i)) return undefined;
  const ok = ips as Ip[];
  if (ok.length === 2 && ok[0]!.family === ok[1]!.family) return undefined;
  return ok;
}

export const familiesOf = (items: Array<{ family: IpFamily }>): IpFamily[] => items.map((i) => i.family);

/** "IPv4", "IPv6" or "dual-stack (IPv4,IPv6)", for messages. */
export function describeFamilies(families: IpFamily[]): string {
  return families.length === 2 ? `dual-stack (${families.join(',')})` : `${families[0]}`;
}

export interface SpecStack {
  /** Primary first: the order of serviceSubnet. */
  families: IpFamily[];
  service: Cidr[];
  pod: Cidr[];
}

/** The cluster's families when both subnets parse and agree; undefined otherwise (rules report why). */
export function specStack(spec: ClusterSpec): SpecStack | undefined {
  const [svcField, podField] = subnetFields(spec);
  const service = parseSubnets(svcField!.text);
  const pod = parseSubnets(podField!.text);
  if (!service || !pod) return undefined;
  const families = familiesOf(service);
  if (families.join() !== familiesOf(pod).join()) return undefined;
  return { families, service, pod };
}

export const cidrOf = (cidrs: Cidr[], family: IpFamily): Cidr | undefined => cidrs.find((c) => c.family === family);
