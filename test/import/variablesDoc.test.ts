// docs/kubespray-variables.md is generated from the import table; this keeps the committed page current.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { variablesMarkdown } from '../../src/import/variablesDoc.js';
import { ROWS } from '../../src/import/variables.js';

const PAGE = new URL('../../docs/kubespray-variables.md', import.meta.url);
const expected = variablesMarkdown();
if (process.env.UPDATE_GOLDEN === '1') writeFileSync(PAGE, expected);

test('docs/kubespray-variables.md equals variablesMarkdown()', () => {
  expect(readFileSync(PAGE, 'utf8'), 'docs/kubespray-variables.md is stale: run UPDATE_GOLDEN=1 npx vitest run test/import/variablesDoc.test.ts').toBe(expected);
});

test('one row per variable, each with what kspray does', () => {
  const names = ROWS.map((r) => r.name);
  expect(new Set(names).size).toBe(names.length);
  for (const r of ROWS) expect(r.doc.length, r.name).toBeGreaterThan(5);
});
