// The stages of src/ and what each may import (docs/architecture.md explains them). Run by
// test/architecture.test.ts as part of `npm test`; by hand: npx depcruise src --config .dependency-cruiser.cjs
//
// A stage may import the stages listed in its `may` and itself; nothing else under src/. Stages
// are listed lowest first: a new folder under src/ needs a line here (stage-unassigned fails until
// it has one), and an import the table does not allow is an upward or sideways import to fix by
// moving code, not by widening the table.
/** @type {Record<string, { path: string, may: string[] }>} */
const STAGES = {
  // The floor: error type and message catalog, shared text formats (YAML/TOML/shell), the upstream
  // data catalog, the type of a written file. They import nothing above the floor.
  errors: { path: '^src/errors/', may: [] },
  // The one reader of the environment (what a render read is part of its stamp).
  env: { path: '^src/env\\.ts$', may: [] },
  // The render stamp: the up-to-date check of a render, loaded before any render module (node builtins only).
  stamp: { path: '^src/stamp/', may: ['env'] },
  outputFile: { path: '^src/outputFile\\.ts$', may: [] },
  text: { path: '^src/text/', may: ['errors'] },
  catalog: { path: '^src/catalog/', may: ['errors', 'text'] },
  // The pipeline: api → model → secrets → plan → emit.
  api: { path: '^src/api/', may: ['errors'] },
  model: { path: '^src/model/', may: ['api', 'errors', 'catalog'] },
  compileSpec: { path: '^src/compileSpec\\.ts$', may: ['api', 'model', 'errors'] },
  secrets: { path: '^src/secrets/', may: ['api', 'model', 'errors', 'text', 'catalog'] },
  plan: { path: '^src/plan/', may: ['api', 'model', 'secrets', 'errors', 'text', 'catalog'] },
  rendered: { path: '^src/rendered\\.ts$', may: ['model', 'secrets', 'plan'] },
  emit: { path: '^src/emit/', may: ['api', 'model', 'secrets', 'plan', 'rendered', 'errors', 'text', 'catalog', 'outputFile'] },
  // spec text + bundle → everything render produces, in memory.
  render: { path: '^src/render\\.ts$', may: ['compileSpec', 'model', 'secrets', 'plan', 'rendered', 'emit', 'errors', 'outputFile'] },
  // Beside the pipeline: Kubespray inventory → spec; cluster operations (scale, upgrade, certs,
  // remove-node, reset) built from the model and plans; artifact lists; AWS delivery.
  import: { path: '^src/import/', may: ['api', 'model', 'errors', 'text', 'catalog'] },
  lifecycle: { path: '^src/lifecycle/', may: ['api', 'model', 'secrets', 'plan', 'errors', 'text', 'catalog'] },
  artifacts: { path: '^src/artifacts/', may: ['api', 'model', 'plan', 'rendered', 'lifecycle', 'errors', 'text', 'catalog'] },
  aws: { path: '^src/aws/', may: ['env', 'api', 'model', 'secrets', 'plan', 'rendered', 'emit', 'render', 'errors', 'text', 'catalog', 'outputFile'] },
  // The only module that touches the disk: it writes what the others produce and knows none of them.
  diff: { path: '^src/diff/', may: ['plan', 'rendered', 'outputFile'] },
  io: { path: '^src/io/', may: ['env', 'errors', 'outputFile'] },
  // Entry points: thin commands and the benchmark. Nothing imports them.
  cli: { path: '^src/cli/', may: ['*'] },
  bench: { path: '^src/bench/', may: ['*', '!cli'] },
};

const names = Object.keys(STAGES);
const allowedPaths = (stage) => {
  const { may } = STAGES[stage];
  const all = may.includes('*');
  const targets = all ? names.filter((n) => n !== stage && !may.includes(`!${n}`) && STAGES[n].may[0] !== '*') : may;
  return [stage, ...targets].map((n) => STAGES[n].path);
};

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle in src/: move the shared piece into its own module below both.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...names.map((stage) => ({
      name: `stage-${stage}`,
      severity: 'error',
      comment: `${stage} may import only: ${allowedPaths(stage).join(' ')} (docs/architecture.md). Move the code down rather than import up.`,
      from: { path: STAGES[stage].path },
      to: { path: '^src/', pathNot: allowedPaths(stage) },
    })),
    {
      name: 'stage-unassigned',
      severity: 'error',
      comment: 'Every module under src/ belongs to a stage: add its folder to STAGES in .dependency-cruiser.cjs and to docs/architecture.md.',
      from: { path: '^src/', pathNot: names.map((n) => STAGES[n].path) },
      to: {},
    },
    {
      name: 'src-not-to-outside',
      severity: 'error',
      comment: 'The library does not import tests or scripts.',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type that flows upward is a seam running the wrong way too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
