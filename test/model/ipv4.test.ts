import { describe, expect, test } from 'vitest';
import { cidrContains, cidrsOverlap, formatIPv4, nthAddress, parseCidr, parseIPv4 } from '../../src/model/ipv4.js';

const cidr = (text: string) => {
  const c = parseCidr(text);
  if (!c) throw new Error(`not a CIDR: ${text}`);
  return c;
};

describe('parseIPv4', () => {
  test.each([
    ['0.0.0.0', 0],
    ['10.0.0.1', 0x0a000001],
    ['192.168.1.254', 0xc0a801fe],
    ['255.255.255.255', 0xffffffff],
  ])('%s', (text, n) => {
    expect(parseIPv4(text)).toBe(n);
    expect(formatIPv4(n)).toBe(text);
  });

  test('results are unsigned', () => {
    expect(parseIPv4('200.0.0.1')).toBeGreaterThan(0);
  });

  test.each(['', '10.0.0', '10.0.0.1.2', '256.0.0.1', '10.0.0.-1', '010.0.0.1', '10.0.0.01', ' 10.0.0.1', '10.0.0.1 ', 'a.b.c.d', '::1', '10.0.0.1/32'])(
    'rejects %j',
    (text) => {
      expect(parseIPv4(text)).toBeUndefined();
    },
  );
});

describe('parseCidr', () => {
  test('parses network/prefix', () => {
    expect(parseCidr('10.233.0.0/18')).toEqual({ base: 0x0ae90000, prefix: 18 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ base: 0, prefix: 0 });
    expect(parseCidr('10.0.0.1/32')).toEqual({ base: 0x0a000001, prefix: 32 });
    expect(parseCidr('192.168.0.0/16')).toEqual({ base: 0xc0a80000, prefix: 16 });
  });

  test.each(['10.233.0.1/18', '10.233.64.0/17', '11.0.0.0/7', '0.0.0.1/0', '192.168.1.0/23'])('rejects host bits set: %s', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  test.each(['10.0.0.0', '10.0.0.0/', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/1/2', '10.0.0.0/x', '10.0.0/8', '256.0.0.0/8', '/8', ''])(
    'rejects malformed %j',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );
});

describe('cidrsOverlap', () => {
  test("Kubespray's default subnets are disjoint", () => {
    expect(cidrsOverlap(cidr('10.233.0.0/18'), cidr('10.233.64.0/18'))).toBe(false);
  });

  test.each([
    ['10.233.0.0/16', '10.233.64.0/18', true],
    ['10.233.64.0/18', '10.233.0.0/16', true],
    ['10.0.0.0/24', '10.0.0.0/24', true],
    ['0.0.0.0/0', '192.168.0.0/16', true],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['10.0.0.0/8', '11.0.0.0/8', false],
    ['192.168.0.0/16', '10.0.0.0/8', false],
    ['10.0.0.5/32', '10.0.0.0/29', true],
    ['10.0.0.8/32', '10.0.0.0/29', false],
  ])('%s vs %s → %s', (a, b, overlap) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(overlap);
    expect(cidrsOverlap(cidr(b), cidr(a))).toBe(overlap);
  });
});

describe('cidrContains', () => {
  test('edges of a subnet', () => {
    const svc = cidr('10.233.0.0/18');
    expect(cidrContains(svc, parseIPv4('10.233.0.0')!)).toBe(true);
    expect(cidrContains(svc, parseIPv4('10.233.63.255')!)).toBe(true);
    expect(cidrContains(svc, parseIPv4('10.233.64.0')!)).toBe(false);
    expect(cidrContains(svc, parseIPv4('10.232.255.255')!)).toBe(false);
    expect(cidrContains(cidr('192.168.0.0/16'), parseIPv4('192.168.200.1')!)).toBe(true);
    expect(cidrContains(cidr('0.0.0.0/0'), parseIPv4('255.255.255.255')!)).toBe(true);
  });
});

describe('nthAddress', () => {
  test("Kubespray's service addresses", () => {
    const svc = cidr('10.233.0.0/18');
    expect(nthAddress(svc, 1)).toBe('10.233.0.1'); // kube_apiserver_ip
    expect(nthAddress(svc, 3)).toBe('10.233.0.3'); // skydns_server
    expect(nthAddress(cidr('10.96.0.0/12'), 10)).toBe('10.96.0.10');
  });

  test('carries across octets and stays unsigned above 128.0.0.0', () => {
    expect(nthAddress(cidr('10.0.0.0/16'), 256)).toBe('10.0.1.0');
    expect(nthAddress(cidr('192.168.0.0/16'), 1)).toBe('192.168.0.1');
    expect(nthAddress(cidr('255.255.255.0/24'), 255)).toBe('255.255.255.255');
  });
});
