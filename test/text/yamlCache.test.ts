// toYaml caches documents by their JSON text (issue 18): a cache hit must give exactly what serializing
// would, and values JSON cannot tell apart must never share an entry.
import { describe, expect, it } from 'vitest';
import { toYaml, toYamlUnique, toYamlWithSharedItems } from '../../src/text/yaml.js';

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
    toYaml({ a: 1, n: 5 });
    expect(toYaml({ a: 1, n: Infinity })).toBe(toYamlUnique({ a: 1, n: Infinity }));
    expect(toYaml({ d: new Date(0) })).toBe(toYamlUnique({ d: new Date(0) }));
    expect(toYaml({ d: '1970-01-01T00:00:00.000Z' })).not.toBe(toYamlUnique({ d: new Date(0) }));
  });

  it('a document a caller changes afterwards does not change the cached text', () => {
    const v = { k: ['a'] };
    const before = toYaml(v);
    v.k.push('b');
    expect(toYaml(v)).toBe(toYamlUnique(v));
    expect(toYaml({ k: ['a'] })).toBe(before);
  });
});

describe('toYamlWithSharedItems', () => {
  // Block scalars with every chomping (clip, strip, keep), leading spaces (indentation indicator),
  // empty and blank-line contents, YAML 1.1 look-alikes and the strings the quoting pass rewrites.
  const contents = ['', 'a', 'a\n', 'a\n\n', 'a\n\n\n', '\n', '\n\n', ' lead\n', 'x\n  y\n\n z\n', 'tab\there', 'on', '0644', '=', '<<', 'x: y', '- a', '"q"', "'s'", 'a\r\nb', '#c', 'trail \n', 'é ünï\n', 'line\n\n\nmid\n\n', '|', '...', '---', 'a\n---\nb\n', '\ttab\nx\n', '  \n'];

  it('gives the text of serializing the whole document, whatever the items hold and wherever the list is', () => {
    let compared = 0;
    for (const c of contents) {
      for (const d of contents) {
        const files = [{ path: '/a', owner: 'root:root', permissions: '0644', content: c }, { path: '/b', content: d }, { path: '/c', content: c }];
        for (const v of [
          { hostname: 'h', preserve_hostname: false, write_files: files, runcmd: [['systemctl', 'daemon-reload']] },
          { write_files: files, runcmd: [] },
          { a: { write_files: [] }, write_files: files },
        ]) {
          expect(toYamlWithSharedItems(v, 'write_files')).toBe(toYamlUnique(v));
          compared++;
        }
      }
    }
    expect(compared).toBe(contents.length ** 2 * 3);
  });

  it('an empty or missing list is the document as it is', () => {
    expect(toYamlWithSharedItems({ write_files: [], runcmd: ['x'] }, 'write_files')).toBe('write_files: []\nruncmd:\n  - x\n');
    expect(toYamlWithSharedItems({ runcmd: ['x'] }, 'write_files')).toBe('runcmd:\n  - x\n');
  });
});
