// Address arithmetic for both IP families, on ipaddr.js (parsing and formatting) and bigint (the
// sums and masks), so CIDR rules, service addresses and MetalLB ranges read the same for IPv4 and
// IPv6. Family names are Kubernetes' own ipFamilies values, which messages repeat to the user.
import ipaddr from 'ipaddr.js';

export type IpFamily = 'IPv4' | 'IPv6';
export const IP_FAMILIES: readonly IpFamily[] = ['IPv4', 'IPv6'];

export interface Ip {
  family: IpFamily;
  value: bigint;
  /** Canonical text (RFC 5952 for IPv6). */
  text: string;
}

export interface Cidr {
  family: IpFamily;
  /** Network address. */
  base: bigint;
  prefix: number;
  text: string;
}

const BITS: Record<IpFamily, number> = { IPv4: 32, IPv6: 128 };
export const familyBits = (f: IpFamily): number => BITS[f];

/**
 * One address of either family, or undefined. Refused on purpose: IPv4 with leading zeros or fewer
 * than four parts (Go's net.ParseIP, which kubeadm and kubelet use, reads them differently or not at
 * all), IPv6 zone ids (fe80::1%eth0) and IPv4-mapped IPv6 (Go reads ::ffff:a.b.c.d as IPv4).
 */
export function parseIp(text: string): Ip | undefined {
  if (parsedIps.has(text)) return parsedIps.get(text);
  const ip = parseIpText(text);
  // Cleared, not grown without end, past any spec's size (5,000 nodes, a few addresses each).
  if (parsedIps.size >= PARSED_IPS_KEPT) parsedIps.clear();
  parsedIps.set(text, ip && Object.freeze(ip));
  return ip;
}

/**
 * Each node's address is parsed by several rules and by toModel: at 1,000 workers that was ~25 ms of
 * a render, in ipaddr.js. An address's parse never changes, so each text is parsed once; the result is
 * frozen, being shared.
 */
const parsedIps = new Map<string, Ip | undefined>();
const PARSED_IPS_KEPT = 65_536;

function parseIpText(text: string): Ip | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ofBytes('IPv4', ipaddr.IPv4.parse(text).toByteArray());
  if (text.includes(':') && !text.includes('%') && ipaddr.IPv6.isValid(text)) {
    const v6 = ipaddr.IPv6.parse(text);
    if (v6.isIPv4MappedAddress()) return undefined;
    return ofBytes('IPv6', v6.toByteArray());
  }
  return undefined;
}

/** The family the text looks like it was meant to be (for messages), even when it does not parse. */
export function apparentFamily(text: string): IpFamily | undefined {
  if (text.includes(':')) return 'IPv6';
  if (/^[\d./]+$/.test(text)) return 'IPv4';
  return undefined;
}

function ofBytes(family: IpFamily, bytes: number[]): Ip {
  const value = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  return { family, value, text: formatIp(family, value) };
}

export function formatIp(family: IpFamily, value: bigint): string {
  const n = BITS[family] / 8;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

export type CidrParse =
  | { cidr: Cidr; problem?: undefined }
  | { cidr?: undefined; problem: 'syntax'; family?: IpFamily }
  | { cidr?: undefined; problem: 'host-bits'; family: IpFamily; network: string };

/** "network/prefix" of either family, telling a typo apart from host bits set (and which network was meant). */
export function parseCidrDetailed(text: string): CidrParse {
  const [addr, p, ...rest] = text.split('/');
  const family = apparentFamily(text);
  if (rest.length || addr === undefined || p === undefined || !/^\d{1,3}$/.test(p)) return { problem: 'syntax', family };
  const ip = parseIp(addr);
  const prefix = Number(p);
  if (!ip || prefix > BITS[ip.family]) return { problem: 'syntax', family: ip?.family ?? family };
  const base = ip.value & maskOf(ip.family, prefix);
  if (base !== ip.value) return { problem: 'host-bits', family: ip.family, network: `${formatIp(ip.family, base)}/${prefix}` };
  return { cidr: { family: ip.family, base, prefix, text: `${ip.text}/${prefix}` } };
}

/** "network/prefix" of either family; undefined unless the address is the network address (host bits zero). */
export function parseCidr(text: string): Cidr | undefined {
  return parseCidrDetailed(text).cidr;
}

function maskOf(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  const all = (1n << bits) - 1n;
  return prefix === 0 ? 0n : (all << (bits - BigInt(prefix))) & all;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const mask = maskOf(a.family, Math.min(a.prefix, b.prefix));
  return (a.base & mask) === (b.base & mask);
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  return c.family === ip.family && (ip.value & maskOf(c.family, c.prefix)) === c.base;
}

/** First and last address a CIDR holds (inclusive). */
export function cidrRange(c: Cidr): { family: IpFamily; first: bigint; last: bigint } {
  return { family: c.family, first: c.base, last: c.base + (1n << BigInt(BITS[c.family] - c.prefix)) - 1n };
}

/** The n-th address of a subnet (1 = first usable), as Kubespray's ipaddr filters compute them. */
export function nthAddress(c: Cidr, n: number): string {
  return formatIp(c.family, c.base + BigInt(n));
}

/** Kubernetes' dual-stack form: "a" or "a,b" (kubeadm podSubnet/serviceSubnet, kubelet --node-ip). */
export function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim());
}

/** host:port for URLs and listeners: IPv6 in brackets (RFC 3986), names and IPv4 as they are. */
export function hostPort(host: string, port: number): string {
  return `${bracketed(host)}:${port}`;
}

export function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export const isIPv6 = (text: string): boolean => parseIp(text)?.family === 'IPv6';
