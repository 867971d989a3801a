// The mutation score waits for every file of a module except those listed as having no runtime
// code (scripts/mutation-modules.mjs `noRuntimeCode`): Stryker makes no mutant of such a file and
// leaves it out of its report. The list must be true (a listed file that gained a function would
// never be measured) and complete (an unlisted one would keep the module "partial" forever). "No
// runtime code" is read from what TypeScript emits for the file: nothing but imports and exports.
import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs module shared with stryker.config.mjs (no declarations)
import { globToRegExp, MODULES } from '../scripts/mutation-modules.mjs';

interface MutationModule {
  id: string;
  mutate: string[];
  noRuntimeCode?: Record<string, string>;
}

/** The statements of the file's emitted JS other than imports and re-exports (what Stryker could mutate). */
function runtimeStatements(source: string): string[] {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false } }).outputText;
  const file = ts.createSourceFile('emitted.js', js, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  // Allowed: imports, re-exports from another module, and the `export {};` TypeScript leaves in a types-only file.
  const inert = (s: ts.Statement) =>
    ts.isImportDeclaration(s) || (ts.isExportDeclaration(s) && (s.moduleSpecifier !== undefined || (s.exportClause !== undefined && ts.isNamedExports(s.exportClause) && s.exportClause.elements.length === 0)));
  return file.statements.filter((s) => !inert(s)).map((s) => s.getText(file));
}

const srcFiles = readdirSync('src', { recursive: true, encoding: 'utf8' }).map((f) => `src/${f}`).filter((f) => f.endsWith('.ts'));

describe.each((MODULES as MutationModule[]).map((m) => [m.id, m] as const))('%s', (_id, m) => {
  const files = srcFiles.filter((f) => m.mutate.some((g: string) => (globToRegExp(g) as RegExp).test(f)));
  const listed = Object.keys(m.noRuntimeCode ?? {});

  test('every file listed as having no runtime code is one of the module and has none', () => {
    for (const f of listed) {
      expect(files, f).toContain(f);
      expect(runtimeStatements(readFileSync(f, 'utf8')), f).toEqual([]);
    }
  });

  test('every file of the module with no runtime code is listed, with a reason', () => {
    const empty = files.filter((f) => runtimeStatements(readFileSync(f, 'utf8')).length === 0);
    expect(listed.sort()).toEqual(empty.sort());
    for (const f of listed) expect(m.noRuntimeCode![f]!.length, f).toBeGreaterThan(0);
  });
});

test('runtime statements are found: a function, a const, a side effect, an export of a local', () => {
  expect(runtimeStatements("export type A = string;\nexport interface B { a: A }\nexport { x } from './x.js';\nexport type { Y } from './y.js';\n")).toEqual([]);
  expect(runtimeStatements('export function f() { return 1; }')).toHaveLength(1);
  expect(runtimeStatements('export const a = 1;')).toHaveLength(1);
  expect(runtimeStatements("import './side.js';\nconsole.log(1);")).toHaveLength(1);
  expect(runtimeStatements('const a = 1;\nexport { a };')).toHaveLength(2);
});
