// Golden files per example (test/golden/<example>/), rendered with the committed test bundle and a
// fixed clock. A mismatch shows a diff; UPDATE_GOLDEN=1 rewrites them (review the git diff!).
import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIOS, loadExample, renderFixture, repoRoot, updateGolden } from '../helpers/fixtures.js';
import { outputFiles } from '../../src/render.js';
import { readTree, writeOutputs } from '../../src/io/files.js';

describe.each(SCENARIOS)('golden %s', (example) => {
  it('matches test/golden', async () => {
    const r = await renderFixture(loadExample(example));
    // Binary gzip copies are covered by the determinism tests; goldens stay reviewable text.
    const files = outputFiles(r).filter((f) => typeof f.content === 'string');
    const dir = join(repoRoot, 'test', 'golden', example);
    if (updateGolden) {
      rmSync(dir, { recursive: true, force: true });
      writeOutputs(dir, files.map((f) => ({ ...f, mode: 0o644 })));
    }
    const golden = readTree(dir) ?? new Map<string, string>();
    expect([...golden.keys()].sort()).toEqual(files.map((f) => f.relPath).sort());
    for (const f of files) expect(f.content, f.relPath).toBe(golden.get(f.relPath));
  });
});
