// Minimal IPv4 arithmetic for CIDR rules and service addresses (IPv6 is not supported yet: the
// rules say so rather than guessing).

export interface Cidr {
  base: number; // network address as uint32
  prefix: number;
}

export function parseIPv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255) || m.slice(1).some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** Parses "a.b.c.d/p"; undefined unless the address is the network address (host bits zero). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, p, ...rest] = text.split('/');
  if (rest.length || addr === undefined || p === undefined || !/^\d{1,2}$/.test(p)) return undefined;
  const prefix = Number(p);
  const base = parseIPv4(addr);
  if (base === undefined || prefix > 32) return undefined;
  if ((base & ~maskOf(prefix)) >>> 0 !== 0) return undefined;
  return { base, prefix };
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const mask = maskOf(prefix);
  return (a.base & mask) >>> 0 === (b.base & mask) >>> 0;
}

export function cidrContains(c: Cidr, ip: number): boolean {
  const mask = maskOf(c.prefix);
  return (ip & mask) >>> 0 === c.base;
}

/** The n-th address of a subnet (1 = first usable), as Kubespray's ipaddr filters compute them. */
export function nthAddress(c: Cidr, n: number): string {
  return formatIPv4((c.base + n) >>> 0);
}
