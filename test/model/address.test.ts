// Address arithmetic for both families (src/model/address.ts, on ipaddr.js and bigint).
import { describe, expect, test } from 'vitest';
import { cidrContains, cidrRange, cidrsOverlap, formatIp, hostPort, nthAddress, parseCidr, parseCidrDetailed, parseIp } from '../../src/model/address.js';

const cidr = (text: string) => {
  const c = parseCidr(text);
  if (!c) throw new Error(`not a CIDR: ${text}`);
  return c;
};
const ip = (text: string) => {
  const i = parseIp(text);
  if (!i) throw new Error(`not an address: ${text}`);
  return i;
};

describe('parseIp', () => {
  test.each([
    ['0.0.0.0', 0n],
    ['10.0.0.1', 0x0a000001n],
    ['255.255.255.255', 0xffffffffn],
  ])('IPv4 %s', (text, n) => {
    expect(parseIp(text)).toEqual({ family: 'IPv4', value: n, text });
    expect(formatIp('IPv4', n)).toBe(text);
  });

  test('IPv6, canonical text (RFC 5952)', () => {
    expect(parseIp('fd85:ee78:d8a6:8607:0:0:0:1000')).toEqual({ family: 'IPv6', value: 0xfd85ee78d8a686070000000000001000n, text: 'fd85:ee78:d8a6:8607::1000' });
    expect(parseIp('::1')!.value).toBe(1n);
    expect(parseIp('FD00:10::11')!.text).toBe('fd00:10::11');
  });

  test.each(['', '10.0.0', '10.0.0.1.2', '256.0.0.1', '010.0.0.1', ' 10.0.0.1', 'a.b.c.d', '10.0.0.1/32', 'fe80::1%eth0', '::ffff:10.0.0.1', 'fd00::1::2', 'fd00:10::11/64', '[fd00::1]', '10'])(
    'rejects %j',
    (text) => expect(parseIp(text)).toBeUndefined(),
  );

  test('parses a text once and shares the result, frozen (rules and toModel ask for each address several times)', () => {
    const first = parseIp('10.9.8.7');
    expect(parseIp('10.9.8.7')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as { text: string }).text = 'changed';
    }).toThrow(TypeError);
    expect(parseIp('10.9.8.7')).toEqual({ family: 'IPv4', value: 0x0a090807n, text: '10.9.8.7' });
    // A refused text stays refused on the next asking.
    expect(parseIp('10.9.8')).toBeUndefined();
    expect(parseIp('10.9.8')).toBeUndefined();
  });
});

describe('parseCidr', () => {
  test('both families', () => {
    expect(parseCidr('10.233.0.0/18')).toEqual({ family: 'IPv4', base: 0x0ae90000n, prefix: 18, text: '10.233.0.0/18' });
    expect(parseCidr('fd85:ee78:d8a6:8607::1:0000/112')).toMatchObject({ family: 'IPv6', prefix: 112, text: 'fd85:ee78:d8a6:8607::1:0/112' });
    expect(parseCidr('::/0')).toMatchObject({ family: 'IPv6', base: 0n, prefix: 0 });
  });

  test('host bits set: says which network was meant, per family', () => {
    expect(parseCidrDetailed('10.233.0.1/18')).toEqual({ problem: 'host-bits', family: 'IPv4', network: '10.233.0.0/18' });
    expect(parseCidrDetailed('fd85:ee78:d8a6:8607::1000/100')).toEqual({ problem: 'host-bits', family: 'IPv6', network: 'fd85:ee78:d8a6:8607::/100' });
  });

  test.each(['10.0.0.0', '10.0.0.0/33', 'fd00::/129', 'fd00::/', '10.0.0.0/1/2', 'fd00::/x', '/8', ''])('rejects malformed %j', (text) => {
    expect(parseCidrDetailed(text).problem).toBe('syntax');
  });
});

describe('cidrsOverlap / cidrContains', () => {
  test.each([
    ['10.233.0.0/18', '10.233.64.0/18', false],
    ['10.233.0.0/16', '10.233.64.0/18', true],
    ['10.0.0.5/32', '10.0.0.0/29', true],
    ['fd85:ee78:d8a6:8607::1000/116', 'fd85:ee78:d8a6:8607::1:0/112', false],
    ['fd85:ee78:d8a6:8607::/64', 'fd85:ee78:d8a6:8607::1:0/112', true],
    ['fd00::/8', '10.0.0.0/8', false],
  ])('%s vs %s → %s', (a, b, overlap) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(overlap);
    expect(cidrsOverlap(cidr(b), cidr(a))).toBe(overlap);
  });

  test('edges, and never across families', () => {
    const svc6 = cidr('fd85:ee78:d8a6:8607::1000/116');
    expect(cidrContains(svc6, ip('fd85:ee78:d8a6:8607::1000'))).toBe(true);
    expect(cidrContains(svc6, ip('fd85:ee78:d8a6:8607::1fff'))).toBe(true);
    expect(cidrContains(svc6, ip('fd85:ee78:d8a6:8607::2000'))).toBe(false);
    expect(cidrContains(cidr('0.0.0.0/0'), ip('::1'))).toBe(false);
    expect(cidrContains(cidr('::/0'), ip('10.0.0.1'))).toBe(false);
    expect(cidrRange(cidr('fd00::/126'))).toEqual({ family: 'IPv6', first: 0xfd00n << 112n, last: (0xfd00n << 112n) + 3n });
  });
});

describe('nthAddress', () => {
  test("Kubespray's service addresses, both families", () => {
    expect(nthAddress(cidr('10.233.0.0/18'), 1)).toBe('10.233.0.1'); // kube_apiserver_ip
    expect(nthAddress(cidr('10.96.0.0/12'), 10)).toBe('10.96.0.10');
    expect(nthAddress(cidr('fd85:ee78:d8a6:8607::1000/116'), 1)).toBe('fd85:ee78:d8a6:8607::1001');
    expect(nthAddress(cidr('fd85:ee78:d8a6:8607::1000/116'), 10)).toBe('fd85:ee78:d8a6:8607::100a');
  });

  test('carries across octets and groups', () => {
    expect(nthAddress(cidr('10.0.0.0/16'), 256)).toBe('10.0.1.0');
    expect(nthAddress(cidr('255.255.255.0/24'), 255)).toBe('255.255.255.255');
    expect(nthAddress(cidr('fd00::ff00/120'), 256)).toBe('fd00::1:0');
  });
});

test('hostPort brackets IPv6 only', () => {
  expect(hostPort('10.0.0.11', 6443)).toBe('10.0.0.11:6443');
  expect(hostPort('fd00:10::11', 2379)).toBe('[fd00:10::11]:2379');
  expect(hostPort('api.example.com', 6443)).toBe('api.example.com:6443');
});
