// The tests StrykerJS runs against mutants of the promise-holding modules (stryker.config.mjs):
// the in-process tests of those modules. Tests that run the built CLI or real daemons in child
// processes are left out: a mutant lives only in the test process, so they could not kill it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/invariants/ioFiles.test.ts',
      'test/invariants/nodeSecrets.test.ts',
      'test/invariants/yaml11.test.ts',
      'test/secrets/bundle.test.ts',
      'test/secrets/issue.test.ts',
      'test/secrets/loadBundle.test.ts',
      'test/emit/ignition.test.ts',
      'test/render/payloads.test.ts',
      'test/model/*.test.ts',
      'test/lifecycle/certs.test.ts',
      'test/lifecycle/scale.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
