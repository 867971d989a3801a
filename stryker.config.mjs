// Mutation testing of the modules that hold kspray's promises (issue 23): the only disk writer,
// the secrets, the emitters that carry them to nodes, the builders that place keys and joins, the
// rules (scripts/mutation-modules.mjs). One module per run: KSPRAY_MUTATION_MODULE=<id> mutates
// that module's files, runs only its tests and writes reports/mutation/<id>.json;
// scripts/mutation-run.mjs runs them one after another and scripts/mutation-score.mjs fails below
// 80% per module. Sized for a shared 2-core machine: per-test coverage (each mutant runs only the
// tests that reach it), one runner. Not part of .ci/run: all modules take longer than CI's budget.
import { resolve } from 'node:path';
import { moduleById } from './scripts/mutation-modules.mjs';

// The sandbox has no .ci/cache: point the cloud-init tests at the extracted tree here.
process.env.KSPRAY_CLOUD_INIT_ROOT ??= resolve('.ci/cache/cloud-init');

const module = moduleById(process.env.KSPRAY_MUTATION_MODULE ?? 'io');
// Read by vitest.mutation.config.ts in the runner processes Stryker starts after loading this file.
// A run over part of a module (--mutate FILES) may name fewer of the module's tests, e.g. the fast
// in-process ones that reach those files: fewer tests can only kill fewer mutants, never more.
const only = process.env.KSPRAY_MUTATION_ONLY_TESTS?.split(',').filter(Boolean);
if (only?.some((t) => !module.tests.includes(t))) throw new Error(`KSPRAY_MUTATION_ONLY_TESTS: not all of them are tests of ${module.id}: ${only.join(', ')}`);
process.env.KSPRAY_MUTATION_TESTS = (only?.length ? only : module.tests).join(',');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  mutate: module.mutate,
  // The 80% threshold is per module: scripts/mutation-score.mjs applies it to the reports.
  thresholds: { high: 90, low: 80, break: null },
  reporters: ['json', 'clear-text', 'progress'],
  // KSPRAY_MUTATION_REPORT names another report for a run over part of a module (--mutate FILES):
  // mutation-score.mjs merges a module's reports file by file.
  jsonReporter: { fileName: `reports/mutation/${process.env.KSPRAY_MUTATION_REPORT ?? module.id}.json` },
  tempDirName: '.stryker-tmp',
  // dist/ is copied unmutated: tests that run the built CLI pass, but only in-process tests can kill a mutant.
  ignorePatterns: ['outputs', 'reports', '.ci/cache'],
  timeoutMS: 60_000,
  timeoutFactor: 3,
  cleanTempDir: true,
};
