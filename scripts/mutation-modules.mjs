// The promise-holding modules StrykerJS mutates (issue 23), one run each: the files it mutates and
// the in-process tests that exercise them. Read by stryker.config.mjs (KSPRAY_MUTATION_MODULE picks
// one) and scripts/mutation-score.mjs (scores per module, 80% threshold). One module per run keeps
// a run to minutes on the shared 2-core machine instead of hours for all at once.
// `noRuntimeCode` names the module's files that hold only types and re-exports, with why: Stryker
// makes no mutant of them and leaves them out of its report, so the score does not wait for them
// (test/mutationModules.test.ts checks that their emitted JS has no statement but imports/exports,
// and that every such file of a module is listed).
export const MODULES = [
  {
    id: 'io',
    name: 'io',
    mutate: ['src/io/files.ts', 'src/io/syncfs.ts'],
    tests: ['test/invariants/ioFiles.test.ts', 'test/io/syscalls.test.ts', 'test/io/syncfs.test.ts'],
  },
  {
    id: 'secrets',
    name: 'secrets',
    mutate: ['src/secrets/**/*.ts'],
    noRuntimeCode: {
      'src/secrets/index.ts': 'the public API: re-exports only',
      'src/secrets/types.ts': 'interfaces only',
    },
    // Each builds its PKI inside the tests that use it (test/secrets/fixtures.ts perTest), so a
    // mutant runs only the tests that reach it.
    tests: ['test/secrets/bundle.test.ts', 'test/secrets/loadBundle.test.ts', 'test/secrets/issue.test.ts', 'test/secrets/keys.test.ts', 'test/secrets/appendOnly.test.ts', 'test/secrets/certFields.test.ts', 'test/secrets/der.test.ts', 'test/secrets/signer.test.ts', 'test/secrets/pkcs8.test.ts', 'test/secrets/certificateBytes.test.ts', 'test/secrets/caSigner.test.ts'],
  },
  {
    id: 'emit',
    name: 'emit (cloudInit, ignition)',
    mutate: ['src/emit/cloudInit.ts', 'src/emit/ignition.ts'],
    // test/emit/ignition.test.ts renders two examples in a beforeAll and runs the CLI: every
    // mutant would rerun all of it (hours); emitters.test.ts checks the same promises per test.
    tests: ['test/emit/emitters.test.ts', 'test/invariants/yaml11.test.ts'],
  },
  {
    id: 'builders',
    name: 'plan builders (pkiFiles, bootstrap)',
    mutate: ['src/plan/builders/pkiFiles.ts', 'src/plan/builders/bootstrap.ts'],
    tests: ['test/node/bootstrapEnv.test.ts', 'test/node/builders.test.ts', 'test/invariants/nodeSecrets.test.ts'],
  },
  {
    id: 'rules',
    name: 'model rules',
    mutate: ['src/model/*[rR]ules.ts'],
    tests: ['test/model/*.test.ts'],
  },
];

/** The module KSPRAY_MUTATION_MODULE names, or a clear error listing the ids. */
export function moduleById(id) {
  const m = MODULES.find((x) => x.id === id);
  if (!m) throw new Error(`KSPRAY_MUTATION_MODULE=${id}: one of ${MODULES.map((x) => x.id).join(', ')}`);
  return m;
}

/** A report path's module (the report names files by their path in the sandbox or the repo). */
export function moduleOfFile(path, mutateGlobs = MODULES) {
  const rel = path.replace(/^.*?(src\/)/, '$1');
  return mutateGlobs.find((m) => m.mutate.some((g) => globToRegExp(g).test(rel)));
}

export function globToRegExp(glob) {
  const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*/g, '[^/]*');
  return new RegExp(`^${re}$`);
}
