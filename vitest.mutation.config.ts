// The tests StrykerJS runs against mutants of the promise-holding modules (stryker.config.mjs):
// in-process tests that do their work inside each test (code run in a beforeAll counts for every
// test of the file, so each of its mutants would rerun them all). Tests that run the built CLI or
// real daemons in child processes are left out: a mutant lives only in the test process.
import { defineConfig } from 'vitest/config';

const ALL = [
  'test/invariants/ioFiles.test.ts',
  'test/invariants/nodeSecrets.test.ts',
  'test/invariants/yaml11.test.ts',
  'test/secrets/bundle.test.ts',
  'test/secrets/loadBundle.test.ts',
  'test/emit/ignition.test.ts',
  'test/model/*.test.ts',
];

// KSPRAY_MUTATION_TESTS=a.test.ts,b.test.ts narrows the set for a quick run on one module (e.g.
// src/io with test/invariants/ioFiles.test.ts); the score then holds only for what those tests reach.
const only = process.env.KSPRAY_MUTATION_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    include: only?.length ? only : ALL,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
