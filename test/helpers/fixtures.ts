// Fixed inputs for golden and payload tests: the shipped examples, a committed test bundle per
// example (test-only keys) and a fixed clock, so outputs are byte-stable across runs and machines.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSpec, prepareBundle, render, type Rendered } from '../../src/render.js';
import { readTree, createExclusive } from '../../src/io/files.js';
import type { ClusterModel } from '../../src/model/model.js';

export const FIXED_NOW = new Date('2026-01-01T00:00:00Z');
export const repoRoot = new URL('../../', import.meta.url).pathname;
export const EXAMPLES = ['single', 'ha', 'external-etcd', 'external-lb', 'kube-vip', 'flatcar-ha', 'mixed', 'custom', 'dual-stack', 'ipv6'] as const;
export const updateGolden = process.env.UPDATE_GOLDEN === '1';

/**
 * The composability matrix (distro family x runtime x network plugin x addons, like Kubespray's CI
 * matrix): one small cluster per directory test/matrix/<name>/cluster.yaml, found by listing, so a
 * new scenario is one new directory. Golden and payload tests run over these and the examples.
 */
const MATRIX_DIR = join(repoRoot, 'test', 'matrix');
export const MATRIX: string[] = existsSync(MATRIX_DIR)
  ? readdirSync(MATRIX_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
  : [];
export const SCENARIOS: string[] = [...EXAMPLES, ...MATRIX];

export function exampleFile(name: string): string {
  return MATRIX.includes(name) ? join(MATRIX_DIR, name, 'cluster.yaml') : join(repoRoot, 'examples', name, 'cluster.yaml');
}

export function loadExample(name: string): ClusterModel {
  const file = exampleFile(name);
  return compileSpec(readFileSync(file, 'utf8'), file.slice(repoRoot.length));
}

export function fixtureBundleDir(name: string): string {
  return join(repoRoot, 'test', 'fixtures', 'bundles', name);
}

/** Renders with the committed test bundle; creates it only when UPDATE_GOLDEN=1. */
export async function renderFixture(model: ClusterModel, bundleName = model.name): Promise<Rendered> {
  const dir = fixtureBundleDir(bundleName);
  const existing = readTree(dir);
  if (!existing && !updateGolden) throw new Error(`no test bundle at ${dir}: run UPDATE_GOLDEN=1 npx vitest run`);
  const prepared = await prepareBundle(model, existing, dir, FIXED_NOW);
  if (prepared.newFiles.length) {
    if (!updateGolden) throw new Error(`test bundle ${dir} lacks ${prepared.newFiles.map((f) => f.relPath).join(', ')}: run with UPDATE_GOLDEN=1`);
    createExclusive(dir, prepared.newFiles, 0o700);
  }
  return render(model, prepared.bundle);
}
