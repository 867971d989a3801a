// The rules for the application addons (cert-manager, MetalLB, Argo CD) beyond the one case per
// rule in rules.test.ts: each way to break them, where the CLI's caret lands, and valid specs.
import { describe, expect, it } from 'vitest';
import { compileSpec } from '../../src/compileSpec.js';
import { parseAddressRange } from '../../src/model/rules.js';
import { formatIp } from '../../src/model/address.js';
import { expectAt, FILE, HEAD, inputErrorOf } from '../helpers/specErrors.js';

const CP1 = '  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }';
const SHA = 'ab'.repeat(32);
const doc = (...body: string[]) => `${HEAD}${body.join('\n')}\n${CP1}\n`;
const errorOf = (text: string) => inputErrorOf(() => compileSpec(text, FILE));
const metallb = (...lines: string[]) => doc('  addons:', '    metallb:', `      manifestSha256: ${SHA}`, ...lines);

describe('addon-manifest-checksum', () => {
  it('a missing sha256 points at the addon and names the URL to check', () => {
    const text = doc('  addons:', '    certManager: {}');
    const p = expectAt(text, errorOf(text), 'addon-manifest-checksum', 7, 18, '{}', true);
    expect(p.message).toMatch(/addons\.certManager needs manifestSha256: Kubespray's data has no checksum for certManager 1\.15\.3/);
    expect(p.hint).toContain('curl -fsSL https://github.com/cert-manager/cert-manager/releases/download/v1.15.3/cert-manager.yaml | sha256sum');
  });

  it("names the mirror's URL when artifacts.mirror is set", () => {
    const text = doc('  artifacts: { mirror: "https://files.internal" }', '  addons:', '    metallb: { addressPools: [{ name: a, addresses: [10.0.0.200/30] }] }');
    const p = errorOf(text).problems.find((x) => x.rule === 'addon-manifest-checksum')!;
    expect(p.hint).toContain('https://files.internal/raw.githubusercontent.com/metallb/metallb/v0.13.9/config/manifests/metallb-native.yaml');
  });

  it('refuses a sha256 that is one digit short, accepts upper case and stores it lower case', () => {
    expect(errorOf(doc('  addons:', `    certManager: { manifestSha256: ${SHA.slice(1)} }`)).problems.map((p) => p.rule)).toEqual(['addon-manifest-checksum']);
    const model = compileSpec(doc('  addons:', `    certManager: { manifestSha256: ${SHA.toUpperCase()} }`), FILE);
    expect(model.appAddons.certManager).toEqual({ manifestSha256: SHA });
  });
});

describe('metallb-address-pools', () => {
  it('MetalLB without pools points at addons.metallb', () => {
    const text = doc('  addons:', `    metallb: { manifestSha256: ${SHA} }`);
    const p = expectAt(text, errorOf(text), 'metallb-address-pools', 7, 14, '{', true);
    expect(p.message).toContain('has no address pools');
  });

  it('an empty list points at addressPools', () => {
    const text = metallb('      addressPools: []');
    expectAt(text, errorOf(text), 'metallb-address-pools', 9, 21, '[]', true);
  });

  it('refuses a pool without addresses, a duplicate name and a name that is no DNS-1123 label', () => {
    const text = metallb(
      '      addressPools:',
      '        - { name: a, addresses: [] }',
      '        - { name: b, addresses: [10.0.0.200/30] }',
      '        - { name: b, addresses: [10.0.0.204/30] }',
      '        - { name: B_1, addresses: [10.0.0.208/30] }',
    );
    const err = errorOf(text);
    expect(err.problems.map((p) => [p.rule, p.message])).toEqual([
      ['metallb-address-pools', 'MetalLB address pool "a" has no addresses'],
      ['metallb-address-pools', 'MetalLB address pool name "b" is used twice'],
      ['dns1123-name', '"B_1" is not a valid DNS-1123 label'],
    ]);
    expectAt(text, err, 'dns1123-name', 13, 19, 'B_1', true);
  });

  it('accepts CIDRs and ranges, and fills the model (l2 on by default)', () => {
    const model = compileSpec(metallb('      addressPools: [{ name: lb, addresses: [10.0.0.200-10.0.0.220, 192.0.2.0/28] }]'), FILE);
    expect(model.appAddons.metallb).toEqual({
      addressPools: [{ name: 'lb', addresses: ['10.0.0.200-10.0.0.220', '192.0.2.0/28'] }],
      l2: true,
      manifestSha256: SHA,
    });
  });
});

describe('metallb-pools-outside-cluster-subnets', () => {
  it('a range reaching into the pod subnet points at that entry', () => {
    const text = metallb('      addressPools: [{ name: lb, addresses: [10.0.0.200/30, 10.233.63.250-10.233.64.5] }]');
    const p = expectAt(text, errorOf(text), 'metallb-pools-outside-cluster-subnets', 9, 61, '10.233.63.250', true);
    // The range starts in the service subnet (10.233.0.0/18): the first overlap found is reported.
    expect(p.message).toBe('MetalLB addresses 10.233.63.250-10.233.64.5 overlap serviceSubnet 10.233.0.0/18');
  });

  it('follows the subnets the user wrote', () => {
    const text = `${HEAD}  kubernetes: { podSubnet: 10.0.128.0/17 }\n  addons:\n    metallb: { manifestSha256: ${SHA}, addressPools: [{ name: lb, addresses: [10.0.200.0/24] }] }\n${CP1}\n`;
    expect(errorOf(text).problems.map((p) => p.message)).toEqual(['MetalLB addresses 10.0.200.0/24 overlap podSubnet 10.0.128.0/17']);
  });
});

describe('metallb-pools-exclude-node-addresses', () => {
  it("refuses kube-vip's VIP inside a pool", () => {
    const text = `${HEAD}  controlPlane: { loadBalancer: kube-vip, endpoint: "10.0.0.100:6443" }\n  addons:\n    metallb: { manifestSha256: ${SHA}, addressPools: [{ name: lb, addresses: [10.0.0.90-10.0.0.110] }] }\n${CP1}\n`;
    expect(errorOf(text).problems.map((p) => p.message)).toEqual(['MetalLB addresses 10.0.0.90-10.0.0.110 include the controlPlane.endpoint address']);
  });

  it('accepts a pool next to the nodes', () => {
    expect(() => compileSpec(metallb('      addressPools: [{ name: lb, addresses: [10.0.0.12-10.0.0.20] }]'), FILE)).not.toThrow();
  });
});

describe('parseAddressRange', () => {
  const show = (text: string) => {
    const r = parseAddressRange(text);
    return r && `${formatIp(r.family, r.first)}..${formatIp(r.family, r.last)}`;
  };
  it.each([
    ['10.0.0.0/30', '10.0.0.0..10.0.0.3'],
    ['10.0.0.7/32', '10.0.0.7..10.0.0.7'],
    ['10.0.0.5-10.0.0.9', '10.0.0.5..10.0.0.9'],
    ['10.0.0.5 - 10.0.0.5', '10.0.0.5..10.0.0.5'],
    ['0.0.0.0/0', '0.0.0.0..255.255.255.255'],
    ['fd00:20::/126', 'fd00:20::..fd00:20::3'],
    ['fd00:20::5-fd00:20::9', 'fd00:20::5..fd00:20::9'],
  ])('%s', (text, want) => expect(show(text)).toBe(want));
  it.each(['10.0.0.1/30', '10.0.0.9-10.0.0.5', '10.0.0.5-', '10.0.0.256/32', 'fd00::1/120', '10.0.0.1-fd00::2', '10.0.0.1-10.0.0.2-10.0.0.3'])('refuses %s', (text) =>
    expect(parseAddressRange(text)).toBeUndefined(),
  );
});

describe('argocd', () => {
  it('needs nothing but true: its checksum comes from the catalog', () => {
    expect(compileSpec(doc('  addons: { argocd: true }'), FILE).appAddons.argocd).toBe(true);
    expect(compileSpec(doc(''), FILE).appAddons).toEqual({ versions: { argocd: '2.14.21', certManager: '1.15.3', metallb: '0.13.9' }, argocd: false });
  });
});
