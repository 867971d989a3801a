// Shared fixtures for secrets tests: a 3-control-plane model from inline YAML, a fixed clock,
// and a scratch directory helper for the real tools (openssl, etcd).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { beforeEach } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadSpec } from '../../src/api/loadSpec.js';
import { toModel } from '../../src/model/toModel.js';
import type { ClusterModel } from '../../src/model/model.js';
import type { PkiAlgorithm } from '../../src/api/v1alpha1/types.js';
import { createBundle, ensureLeafKeys, leafKeyNames } from '../../src/secrets/index.js';
import type { SecretsBundle } from '../../src/secrets/types.js';

export const NOW = new Date('2026-01-01T00:00:00Z');

export function demoModel(algorithm: PkiAlgorithm = 'ECDSA-P256'): ClusterModel {
  const yaml = `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata: {name: demo}
spec:
  controlPlane: {endpoint: api.demo.internal:6443}
  pki: {algorithm: ${algorithm}}
  nodes:
    - {name: cp-1, address: 10.0.0.11, roles: [control-plane]}
    - {name: cp-2, address: 10.0.0.12, roles: [control-plane]}
    - {name: cp-3, address: 10.0.0.13, roles: [control-plane]}
    - {name: w-1, address: 10.0.0.21, roles: [worker]}
`;
  const { spec } = loadSpec(yaml, 'cluster.yaml');
  return toModel(spec, 'cluster.yaml');
}

/** A bundle with every leaf key the model needs. */
export async function demoBundle(model: ClusterModel, now = NOW): Promise<SecretsBundle> {
  const bundle = await createBundle({ clusterName: model.name, algorithm: model.pki.algorithm, caValidityDays: model.pki.caValidityDays, now });
  await ensureLeafKeys(bundle, leafKeyNames(model), now);
  return bundle;
}

/**
 * A fixture made inside each test that asks for it, at most once per test, and made again for the
 * next one. Not a beforeAll: code run there belongs to no test, so StrykerJS's per-test coverage
 * (issue 23) would send every mutant of the secrets code to every test of the file; and not one
 * fixture memoized for the whole file, which would hide from later tests the code that made it.
 * Call at module level (it registers a beforeEach that forgets the previous test's value).
 */
export function perTest<T>(make: () => Promise<T>): () => Promise<T> {
  let memo: Promise<T> | undefined;
  beforeEach(() => {
    memo = undefined;
  });
  return () => (memo ??= make());
}

export interface Scratch {
  dir: string;
  write(relPath: string, content: string): string;
  remove(): void;
}

export function scratchDir(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), `kspray-${prefix}-`));
  return {
    dir,
    write(relPath, content) {
      const path = join(dir, relPath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
