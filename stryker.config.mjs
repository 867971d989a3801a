// Mutation testing of the modules that hold kspray's promises (issue 23): the only disk writer,
// the secrets, the emitters that carry them to nodes, the builders that place keys and joins, the
// rules. `npm run test:mutation` runs it and scripts/mutation-score.mjs fails below 80% per module.
// Sized for a shared 2-core machine: per-test coverage (each mutant runs only the tests that reach
// it), two runners. Not part of .ci/run: a full run takes hours there.
import { resolve } from 'node:path';

// The sandbox has no .ci/cache: point the cloud-init tests at the extracted tree here.
process.env.KSPRAY_CLOUD_INIT_ROOT ??= resolve('.ci/cache/cloud-init');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  mutate: [
    'src/io/files.ts',
    'src/secrets/**/*.ts',
    'src/emit/cloudInit.ts',
    'src/emit/ignition.ts',
    'src/plan/builders/pkiFiles.ts',
    'src/plan/builders/bootstrap.ts',
    'src/model/rules.ts',
    'src/model/addonRules.ts',
    'src/model/networkRules.ts',
    'src/model/runtimeRules.ts',
  ],
  // The 80% threshold is per module: scripts/mutation-score.mjs applies it to this run's report.
  thresholds: { high: 90, low: 80, break: null },
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // dist/ is copied unmutated: tests that run the built CLI pass, but only in-process tests can kill a mutant.
  ignorePatterns: ['outputs', 'reports', '.ci/cache'],
  timeoutMS: 60_000,
  timeoutFactor: 3,
  cleanTempDir: true,
};
