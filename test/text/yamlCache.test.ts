// toYaml caches documents by their JSON text (issue 18): a cache hit must give exactly what serializing
// would, and values JSON cannot tell apart must never share an entry.
import { describe, expect, it } from 'vitest';
import { toYaml, toYamlUnique } from '../../src/text/yaml.js';

describe('toYaml cache', () => {
  it('a repeated document gives the same text as serializing it afresh', () => {
    const doc = () => ({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'x', args: ['--a=1', 'on', '='] }] }, n: 3 });
    const first = toYaml(doc());
    expect(toYaml(doc())).toBe(first);
    expect(first).toBe(toYamlUnique(doc()));
    expect(first).toContain('"="'); // the quoting pass still runs for a cached document's first serialization
  });

  it('keeps apart values that only differ in type or in what JSON drops', () => {
    expect(toYaml({ a: 1 })).not.toBe(toYaml({ a: '1' }));
    // JSON prints -0 as 0 and drops undefined: such values bypass the cache.
    const zero = toYaml({ a: 0 });
    expect(toYaml({ a: -0 })).toBe(toYamlUnique({ a: -0 }));
    expect(toYaml({ a: -0 })).not.toBe(zero);
    toYaml({ a: 1, b: null });
    expect(toYaml({ a: 1, b: undefined })).toBe(toYamlUnique({ a: 1, b: undefined }));
    expect(toYaml([1, undefined])).toBe(toYamlUnique([1, undefined]));
  });

  it('a document a caller changes afterwards does not change the cached text', () => {
    const v = { k: ['a'] };
    const before = toYaml(v);
    v.k.push('b');
    expect(toYaml(v)).toBe(toYamlUnique(v));
    expect(toYaml({ k: ['a'] })).toBe(before);
  });
});
