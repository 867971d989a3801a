// The spec loader's guards: linear in the input (the yaml library's own duplicate-key check was
// quadratic: 32k labels took 19 s), aliases reported where they are, limits with a clear rule.
import { describe, expect, test } from 'vitest';
import { loadSpec } from '../../src/api/loadSpec.js';
import { MAX_EXPANDED_NODES, MAX_LABELS_PER_NODE } from '../../src/api/inputGuard.js';
import { FILE, HEAD, inputErrorOf } from '../helpers/specErrors.js';

const node = (labels: string) => `  nodes:\n    - name: cp-1\n      address: 10.0.0.11\n      roles: [control-plane]\n      labels:\n${labels}`;

describe('input guard', () => {
  test('48k labels in one mapping are refused in seconds, not minutes (no quadratic step)', () => {
    const labels = Array.from({ length: 48_000 }, (_, i) => `        l${i}: v\n`).join('');
    const started = performance.now();
    const err = inputErrorOf(() => loadSpec(`${HEAD}${node(labels)}`, FILE));
    const ms = performance.now() - started;
    expect(err.problems.map((p) => p.rule)).toEqual(['spec-size']);
    expect(err.problems[0]!.message).toBe(`48000 labels on one node (at most ${MAX_LABELS_PER_NODE})`);
    // Measured ~2 s here; the quadratic check took 19 s for 32k labels, so ~45 s for 48k.
    expect(ms).toBeLessThan(15_000);
  }, 60_000);

  test('a duplicate among thousands of keys is found, at the second occurrence', () => {
    const labels = `${Array.from({ length: 900 }, (_, i) => `        l${i}: v\n`).join('')}        l5: again\n`;
    const err = inputErrorOf(() => loadSpec(`${HEAD}${node(labels)}`, FILE));
    expect(err.problems).toEqual([expect.objectContaining({ rule: 'yaml-syntax', message: 'YAML syntax error: Map keys must be unique', position: { line: 911, col: 9 } })]);
  });

  test('an alias inside its own anchor is a cycle, reported at the alias', () => {
    const err = inputErrorOf(() => loadSpec(`${HEAD}  x: &x [a, *x]\n`, FILE));
    expect(err.problems).toEqual([expect.objectContaining({ rule: 'yaml-alias', message: 'alias *x refers to a node that contains it', position: { line: 6, col: 13 } })]);
  });

  test('aliases that stay small are fine and resolve as YAML says', () => {
    const { spec } = loadSpec(`${HEAD}${node('        a: &v web\n        b: *v\n')}`, FILE);
    expect(spec.spec.nodes![0]!.labels).toEqual({ a: 'web', b: 'web' });
  });

  test('a document large without aliases: spec-size at the collection', () => {
    const list = `[${Array(MAX_EXPANDED_NODES + 1).fill('1').join(',')}]`;
    const err = inputErrorOf(() => loadSpec(`${HEAD}  x: ${list}\n`, FILE));
    expect(err.problems).toEqual([expect.objectContaining({ rule: 'spec-size', position: { line: 6, col: 6 } })]);
  }, 60_000);
});
