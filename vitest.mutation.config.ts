// The tests StrykerJS runs against mutants of the promise-holding modules (stryker.config.mjs):
// in-process tests that do their work inside each test (code run in a beforeAll counts for every
// test of the file, so each of its mutants would rerun them all). Tests that run the built CLI or
// real daemons in child processes are left out: a mutant lives only in the test process.
import { defineConfig } from 'vitest/config';
// @ts-expect-error: a plain .mjs module shared with stryker.config.mjs (no declarations)
import { MODULES } from './scripts/mutation-modules.mjs';

// stryker.config.mjs sets KSPRAY_MUTATION_TESTS to the tests of the module it mutates; without it
// (vitest -c vitest.mutation.config.ts by hand) every module's tests run.
const only = process.env.KSPRAY_MUTATION_TESTS?.split(',').filter(Boolean);
const all = (MODULES as Array<{ tests: string[] }>).flatMap((m) => m.tests);

export default defineConfig({
  test: {
    include: only?.length ? only : all,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
