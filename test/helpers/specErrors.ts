// Shared by the spec-shape and rule tests: build small specs and assert where an error points.
import { expect } from 'vitest';
import { formatError } from '../../src/cli/report.js';
import { KsprayError, type Problem } from '../../src/errors/errors.js';

export const FILE = 'cluster.yaml';
export const HEAD = `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata:
  name: demo
spec:
`; // the body of every spec built on it starts on line 6

/** The KsprayError `fn` throws; fails the test if it throws nothing or something else. */
export function inputErrorOf(fn: () => unknown): KsprayError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KsprayError) return e;
    throw e;
  }
  throw new Error('expected a KsprayError');
}

/**
 * Asserts that `err` reports `rule` at line:col, that `token` is what sits at that column, and
 * that formatError shows file:line:col, the source line, a caret under the column and the hint.
 * Rule problems must carry a spec path and a hint (`strict`); YAML syntax errors need neither.
 */
export function expectAt(text: string, err: KsprayError, rule: string, line: number, col: number, token: string, strict = false): Problem {
  expect(err.kind).toBe('input');
  const problem = err.problems.find((p) => p.rule === rule);
  expect(problem, `no ${rule} problem in ${JSON.stringify(err.problems)}`).toBeDefined();
  const p = problem!;
  if (strict) {
    expect(p.path, 'rule problems carry a spec path').toBeDefined();
    expect(p.hint, `${rule} says how to fix it`).toBeTruthy();
  }
  const pos = p.position ?? (p.path && err.locator ? err.locator.locate(p.path, p.atKey) : undefined);
  expect(pos).toEqual({ line, col });
  const sourceLine = text.split('\n')[line - 1]!;
  expect(sourceLine.slice(col - 1).startsWith(token), `"${sourceLine}" at col ${col} is not "${token}"`).toBe(true);
  const out = formatError(err);
  expect(out).toContain(`${FILE}:${line}:${col}: error[${rule}]: ${p.message}`);
  const gutter = ' '.repeat(String(line).length);
  expect(out).toContain(`  ${line} | ${sourceLine}\n  ${gutter} | ${' '.repeat(col - 1)}^`);
  if (p.hint) expect(out).toContain(`  hint: ${p.hint}`);
  return p;
}
