// crio-matches-kubernetes when the catalog has a kubernetes minor but no cri-o of it yet (cri-o
// releases a minor after kubernetes does; the vendored catalog may catch one and not the other).
// Today every catalog minor has its cri-o, so the gap is made here: the same catalog without the
// cri-o releases of one minor (gap.minor).
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { compileSpec } from '../../src/compileSpec.js';
import { KsprayError } from '../../src/errors/errors.js';
import { defaultKubernetesVersion, minorOf } from '../../src/catalog/catalog.js';
import { expectAt, FILE, HEAD, inputErrorOf } from '../helpers/specErrors.js';

const gap = vi.hoisted(() => ({ minor: '1.34' }));
vi.mock('../../src/catalog/runtime.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/catalog/runtime.js')>();
  const crioVersions = (arch: Parameters<typeof real.crioVersions>[0]) => real.crioVersions(arch).filter((v) => minorOf(v) !== gap.minor);
  return { ...real, crioVersions, crioVersionFor: (k: string, arch: Parameters<typeof real.crioVersions>[0] = 'amd64') => real.crioVersionFor(k, arch, crioVersions(arch)) };
});

const CP1 = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }';
const doc = (...body: string[]) => `${HEAD}${body.join('\n')}\n`;
const problems = (text: string) => {
  try {
    compileSpec(text, FILE);
    return [];
  } catch (e) {
    if (!(e instanceof KsprayError)) throw e;
    return e.problems.map((p) => p.rule);
  }
};

describe('crio-matches-kubernetes with no cri-o for the kubernetes minor', () => {
  beforeEach(() => {
    gap.minor = '1.34';
  });

  test('cri-o with kubernetes 1.34 is refused at kubernetes.version, naming the minors cri-o has', async () => {
    const { crioVersions } = await import('../../src/catalog/runtime.js');
    const text = doc('  kubernetes:', '    version: "1.34.3"', '  containerRuntime:', '    name: cri-o', '  nodes:', CP1);
    const err = inputErrorOf(() => compileSpec(text, FILE));
    expect(err.problems.map((p) => p.rule)).toEqual(['crio-matches-kubernetes']);
    const p = expectAt(text, err, 'crio-matches-kubernetes', 7, 14, '"1.34.3"', true);
    expect(p.message).toBe('the catalog has no cri-o for kubernetes 1.34.3 (cri-o follows the kubernetes minors)');
    const minors = [...new Set(crioVersions('amd64').map(minorOf))];
    expect(minors).not.toContain('1.34');
    expect(p.hint).toBe(`Use a kubernetes version of a minor cri-o has (${minors.join(', ')}), or containerRuntime.name: containerd.`);
  });

  test('containerd with kubernetes 1.34, and cri-o with a minor cri-o has, compile', () => {
    expect(problems(doc('  kubernetes:', '    version: "1.34.3"', '  nodes:', CP1))).toEqual([]);
    expect(problems(doc('  kubernetes:', '    version: "1.34.3"', '  containerRuntime:', '    version: "2.2.1"', '  nodes:', CP1))).toEqual([]);
    expect(problems(doc('  kubernetes:', '    version: "1.35.4"', '  containerRuntime:', '    name: cri-o', '  nodes:', CP1))).toEqual([]);
  });

  test('with the default kubernetes version, it points at containerRuntime.name', () => {
    gap.minor = minorOf(defaultKubernetesVersion());
    const text = doc('  containerRuntime:', '    name: cri-o', '  nodes:', CP1);
    const err = inputErrorOf(() => compileSpec(text, FILE));
    expect(err.problems.map((p) => p.rule)).toEqual(['crio-matches-kubernetes']);
    expect(expectAt(text, err, 'crio-matches-kubernetes', 7, 11, 'cri-o', true).message).toBe(`the catalog has no cri-o for kubernetes ${defaultKubernetesVersion()} (cri-o follows the kubernetes minors)`);
  });
});
