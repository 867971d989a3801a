// Keeps "skips that mean something": every external program a test runs is found through
// test/helpers/validators.ts (haveTool/tool), so that under KSPRAY_REQUIRE_VALIDATORS=1 a missing
// one fails the run. Forbidden elsewhere: hard-coded tool paths, PATH probes, `existsSync` guards
// and silent `return`s in place of a skip.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './helpers/fixtures.js';
import { TOOLS } from './helpers/validators.js';

function testSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'golden' || e.name === 'fixtures' || e.name === 'matrix' ? [] : testSources(p);
    return /\.ts$/.test(e.name) ? [p] : [];
  });
}

const tools = TOOLS.filter((t) => t !== 'cloud-init').join('|');
const FORBIDDEN: Array<[string, RegExp]> = [
  ['a hard-coded tool path (use tool(name))', new RegExp(`['"\`]/(usr/)?s?bin/(${tools})['"\`]`)],
  ['a PATH probe (use haveTool(name))', /command -v|which (kubectl|etcd|nginx|haproxy)/],
  ['toolAvailable(path) (use haveTool(name))', /\btoolAvailable\(/],
  ['a silent return instead of a skip', /if \(!\s*(haveTool|findTool|cloudInitRoot)\([^)]*\)\)\s*return\s*;/],
  ['an existsSync guard on a tool', new RegExp(`(skipIf|runIf)\\(!?existsSync\\(|existsSync\\((${tools.toUpperCase().replace(/-/g, '_')})\\)`)],
];

describe('test tool lookup', () => {
  const root = join(repoRoot, 'test');
  const files = testSources(root).filter((f) => !f.endsWith('helpers/validators.ts') && !f.endsWith('toolLookup.test.ts'));

  it('finds the test sources', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('has no test finding or guarding an external tool another way', () => {
    const offences: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        for (const [what, re] of FORBIDDEN) if (re.test(line)) offences.push(`${relative(repoRoot, file)}:${i + 1}: ${what}: ${line.trim()}`);
      });
    }
    expect(offences).toEqual([]);
  });
});
