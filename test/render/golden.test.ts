// Golden files per example and matrix scenario (test/golden/<scenario>/), rendered with the committed
// test bundle and a fixed clock: the cluster-level outputs (kubeconfigs, CA) as written, and per node
// its plan, one golden file per path on the node plus an index (test/helpers/golden.ts), so a
// one-line change of one node file is a one-line diff. Payload bytes are guarded once per format in
// formats.test.ts. A mismatch shows a diff; UPDATE_GOLDEN=1 rewrites them (review the git diff!).
import { describe, it } from 'vitest';
import { join } from 'node:path';
import { SCENARIOS, loadExample, renderFixture, repoRoot } from '../helpers/fixtures.js';
import { expectGoldenTree, planGoldens } from '../helpers/golden.js';
import { outputFiles } from '../../src/render.js';

describe.each(SCENARIOS)('golden %s', (example) => {
  it('matches test/golden', async () => {
    const r = await renderFixture(loadExample(example));
    const files = new Map<string, string>();
    // Node payloads and provenance are derived from the plans below (and byte-checked in formats.test.ts).
    for (const f of outputFiles(r)) {
      if (!f.relPath.startsWith('nodes/') && typeof f.content === 'string') files.set(f.relPath, f.content);
    }
    for (const plan of r.plans) for (const [path, content] of planGoldens(plan)) files.set(path, content);
    expectGoldenTree(join(repoRoot, 'test', 'golden', example), files);
  });
});
