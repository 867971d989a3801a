// The container runtime rules beyond their one case each in rules.test.ts: what else they refuse,
// what their hints list, and the spec shapes of registryMirrors and proxy.
import { describe, expect, test } from 'vitest';
import { compileSpec } from '../../src/compileSpec.js';
import { crioVersions } from '../../src/catalog/runtime.js';
import { expectAt, FILE, HEAD, inputErrorOf } from '../helpers/specErrors.js';

const CP1 = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }';
const doc = (...body: string[]) => `${HEAD}${body.join('\n')}\n`;
const compileError = (text: string) => inputErrorOf(() => compileSpec(text, FILE));

describe('runtime-version', () => {
  test('an unknown containerd lists the catalog versions of its minor', () => {
    const text = doc('  containerRuntime:', '    version: "1.7.99"', '  nodes:', CP1);
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['runtime-version']);
    const p = expectAt(text, err, 'runtime-version', 7, 14, '"1.7.99"', true);
    expect(p.hint).toMatch(/^Use a catalog version, e.g\. 1\.7\.\d+, 1\.7\.\d+/);
    expect(p.hint).not.toMatch(/2\.\d+\.\d+/);
  });

  test('an unknown cri-o is checked against the cri-o catalog, for the arch of the nodes', () => {
    const text = doc('  containerRuntime:', '    name: cri-o', '    version: "1.35.99"', '  nodes:', CP1.replace('] }', '], arch: arm64 }'));
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['runtime-version']);
    const p = expectAt(text, err, 'runtime-version', 8, 14, '"1.35.99"', true);
    expect(p.message).toBe('cri-o version "1.35.99" has no arm64 checksum in the catalog');
    expect(p.hint).toContain(crioVersions('arm64').find((v) => v.startsWith('1.35.'))!);
  });

  test('a catalog containerd 1.7 compiles', () => {
    const m = compileSpec(doc('  containerRuntime:', '    version: "1.7.30"', '  nodes:', CP1), FILE);
    expect(m.containerRuntime.version).toBe('1.7.30');
    expect(m.versions.containerd).toBe('1.7.30');
  });
});

describe('crio-matches-kubernetes', () => {
  test("a pinned cri-o of another minor is refused with the cri-o versions of kubernetes' minor", () => {
    const text = doc('  kubernetes:', '    version: "1.36.4"', '  containerRuntime:', '    name: cri-o', '    version: "1.35.4"', '  nodes:', CP1);
    const err = compileError(text);
    const p = expectAt(text, err, 'crio-matches-kubernetes', 10, 14, '"1.35.4"', true);
    expect(p.hint).toContain(crioVersions('amd64').find((v) => v.startsWith('1.36.'))!);
  });

  test('a cri-o of the same minor compiles, pinned or not', () => {
    expect(compileSpec(doc('  kubernetes:', '    version: "1.34.3"', '  containerRuntime:', '    name: cri-o', '  nodes:', CP1), FILE).containerRuntime.version).toMatch(/^1\.34\./);
    const pinned = crioVersions('amd64').filter((v) => v.startsWith('1.34.')).at(-1)!;
    const m = compileSpec(doc('  kubernetes:', '    version: "1.34.3"', '  containerRuntime:', '    name: cri-o', `    version: "${pinned}"`, '  nodes:', CP1), FILE);
    expect(m.containerRuntime.version).toBe(pinned);
  });
});

describe('runtime-os', () => {
  test('cri-o on Fedora CoreOS is refused with the reason', () => {
    const text = doc('  containerRuntime:', '    name: cri-o', '  nodes:', CP1, '  pools:', '    - { name: w, roles: [worker], os: fedora-coreos }');
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['runtime-os']);
    const p = expectAt(text, err, 'runtime-os', 11, 39, 'fedora-coreos', true);
    expect(p.hint).toMatch(/SELinux/);
  });

  test('cri-o on openEuler (cgroup v1) is refused at the os, with containerd as the way out', () => {
    const text = doc('  containerRuntime:', '    name: cri-o', '  kubelet: { config: { failCgroupV1: false } }', '  nodes:', CP1, '  pools:', '    - { name: w, roles: [worker], os: openeuler-24.03 }');
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['runtime-os']);
    const p = expectAt(text, err, 'runtime-os', 12, 39, 'openeuler-24.03', true);
    expect(p.message).toBe('cri-o is not available on openeuler-24.03: it boots cgroup v1, which CRI-O\'s upstream no longer tests, and Kubespray supports openeuler-24.03 with containerd only');
    expect(p.hint).toMatch(/containerRuntime\.name: containerd/);
    // containerd on the same nodes is fine.
    expect(() => compileSpec(text.replace('    name: cri-o\n', '    name: containerd\n'), FILE)).not.toThrow();
  });

  test('a pinned containerd with a Flatcar node is refused at the version', () => {
    const text = doc('  containerRuntime:', '    version: "2.2.1"', '  nodes:', CP1, '  pools:', '    - { name: w, roles: [worker], os: flatcar }');
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['runtime-os']);
    expect(expectAt(text, err, 'runtime-os', 7, 14, '"2.2.1"', true).message).toContain('"w" runs flatcar');
  });
});

describe('registry-mirrors', () => {
  const mirrors = (host: string) => ['    registryMirrors:', `      - { host: ${host}, endpoints: ["https://cache.internal"] }`];

  test('_default is containerd-only', () => {
    const text = doc('  containerRuntime:', '    name: cri-o', ...mirrors('_default'), '  nodes:', CP1);
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['registry-mirrors']);
    expect(expectAt(text, err, 'registry-mirrors', 9, 17, '_default', true).message).toContain('containerd-only');
  });

  test('_default conflicts with artifacts.registry (both would write certs.d/_default)', () => {
    const text = doc('  artifacts: { registry: "registry.internal:5000" }', '  containerRuntime:', ...mirrors('_default'), '  nodes:', CP1);
    const err = compileError(text);
    expect(err.problems.map((p) => p.rule)).toEqual(['registry-mirrors']);
    expectAt(text, err, 'registry-mirrors', 9, 17, '_default', true);
    // Without artifacts.registry it compiles.
    expect(compileSpec(doc('  containerRuntime:', ...mirrors('_default'), '  nodes:', CP1), FILE).containerRuntime.registryMirrors).toEqual([
      { host: '_default', endpoints: ['https://cache.internal'], skipVerify: false },
    ]);
  });
});

describe('spec shape', () => {
  test.each([
    ['an endpoint without a scheme', ['  containerRuntime:', '    registryMirrors:', '      - { host: docker.io, endpoints: ["mirror.internal"] }'], 8, 40, '"mirror.internal"'],
    ['a host with a scheme', ['  containerRuntime:', '    registryMirrors:', '      - { host: "https://docker.io", endpoints: ["https://m.internal"] }'], 8, 17, '"https://docker.io"'],
    ['a proxy without a scheme', ['  proxy:', '    http: proxy.internal:3128'], 7, 11, 'proxy.internal:3128'],
    ['a noProxy entry with a comma', ['  proxy:', '    noProxy: ["a.internal,b.internal"]'], 7, 15, '"a.internal,b.internal"'],
  ])('refuses %s', (_, body, line, col, token) => {
    const text = doc(...(body as string[]), '  nodes:', CP1);
    const err = compileError(text);
    expect(err.problems).toHaveLength(1);
    expectAt(text, err, err.problems[0]!.rule!, line as number, col as number, token as string);
  });
});
