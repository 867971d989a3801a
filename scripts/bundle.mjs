// Bundles the compiled CLI (dist/cli/program.js, after tsc) into dist/bundle/: kspray.cjs with what every
// command line needs (commander, the command table), and one chunk per lazily imported command and
// shared library part, tree-shaken. The bin (dist/cli/main.js) loads it through a V8 code cache
// (src/cli/codeCache.ts), which needs CommonJS: vm.Script takes cached data, ES modules cannot on Node 20.
//
// The chunks sit two folders below the package root like every compiled module, so that the data files
// they find relative to their own URL (`new URL('../../data/…', import.meta.url)`) are the same ones.
// dist/bundle/modules.json lists the source modules of each chunk: test/cli-lazy.test.ts reads it to
// say which modules a command line loaded.
import { rmSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { build } from 'rolldown';
import { parseAst } from 'rolldown/parseAst';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}dist/bundle`;

rmSync(outDir, { recursive: true, force: true });
const { output } = await build({
  cwd: root,
  input: { kspray: 'dist/cli/program.js' },
  platform: 'node',
  // The AWS SDK (~285 ms to import) stays a package of its own, required only by the AWS commands.
  external: [/^node:/, ...builtinModules.map((m) => new RegExp(`^${m}(/|$)`)), /^@aws-sdk\//],
  // dynamicImportInCjs: the SDK's import() becomes a require (its CommonJS build, which is also what
  // Node's import() of it loaded: the SDK packages have a main and no exports map).
  output: { dir: outDir, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', dynamicImportInCjs: false },
  logLevel: 'warn',
});

const modules = {};
for (const chunk of output) {
  if (chunk.type !== 'chunk') continue;
  const text = readFileSync(`${outDir}/${chunk.fileName}`, 'utf8');
  // The loader runs chunks as scripts: an import() left in one would fail at run time, not here.
  const esm = findNode(parseAst(text, { sourceType: 'commonjs' }), (n) => n.type === 'ImportExpression' || n.type === 'MetaProperty');
  if (esm) throw new Error(`bundle: ${chunk.fileName}: ${esm.type} at offset ${esm.start} (import() or import.meta); a chunk must be plain CommonJS`);
  // Rolldown's own helpers have a virtual id (NUL first, as in Rollup).
  modules[chunk.fileName] = chunk.moduleIds.map((id) => (id.startsWith('\0') ? id.slice(1) : relative(root, id))).sort();
}
/** The first AST node (depth first) that `is` accepts. */
function findNode(node, is) {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop();
    if (Array.isArray(n)) stack.push(...n);
    else if (n && typeof n === 'object') {
      if (typeof n.type === 'string' && is(n)) return n;
      stack.push(...Object.values(n));
    }
  }
  return undefined;
}

writeFileSync(`${outDir}/modules.json`, `${JSON.stringify(modules, null, 1)}\n`);
