// Golden trees stored so that a one-line change of one file on one node is a one-line diff:
// per node, the plan (one golden file per path on the node, plus a small index of mode, builder and
// spec path) instead of whole payloads. The payloads themselves are checked by their validators and
// decoded back to the plan (test/render/payloads.test.ts); one byte-level golden per emitted format
// guards the emitters (test/render/formats.test.ts).
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { expect } from 'vitest';
import type { NodePlan } from '../../src/plan/nodePlan.js';
import { sortedFiles } from '../../src/plan/nodePlan.js';
import { readTree, writeOutputs } from '../../src/io/files.js';
import { repoRoot, updateGolden } from './fixtures.js';

/** Where a node's file lands in the golden tree: nodes/<node>/files/<path on the node>. */
export const nodeFileGolden = (node: string, path: string): string => `nodes/${node}/files${path}`;

/**
 * One node's plan as golden files. The index leaves out sizes on purpose: a changed line in a file
 * must change that file's golden only.
 */
export function planGoldens(plan: NodePlan): Map<string, string> {
  const out = new Map<string, string>();
  const node = plan.node.name;
  const index = ['# path\tmode\tbuilder\tspec path\tsecret'];
  for (const f of sortedFiles(plan)) {
    index.push([f.path, `0${f.mode.toString(8)}`, f.builder, f.origin.join('.'), f.secret ? 'secret' : ''].join('\t').trimEnd());
    out.set(nodeFileGolden(node, f.path), f.content);
  }
  // What the payload carries besides files: kept in the index so a change to it is reviewed too.
  for (const u of plan.startUnits) index.push(`start-unit\t${u}`);
  for (const k of plan.sshAuthorizedKeys) index.push(`ssh-authorized-key\t${k}`);
  for (const i of plan.extraImages) index.push(`extra-image\t${i}`);
  out.set(`nodes/${node}/index.tsv`, `${index.join('\n')}\n`);
  return out;
}

/** A binary output as a reviewable text line: its digest and size. */
export function hashLine(bytes: string | Uint8Array): string {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  return `sha256:${createHash('sha256').update(buf).digest('hex')} bytes:${buf.length}\n`;
}

/** The changed region of two texts with 3 lines of context, numbered like `diff -u`. */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA >= start && endB >= start && a[endA] === b[endB]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - 3);
  const lines = [`@@ line ${from + 1} @@`];
  for (let i = from; i < start; i++) lines.push(`  ${a[i]}`);
  // Long hunks are cut: the first lines say what changed, the update shows the rest in git.
  const cut = (xs: string[], sign: string) => (xs.length > 40 ? [...xs.slice(0, 40).map((x) => `${sign} ${x}`), `${sign} … ${xs.length - 40} more lines`] : xs.map((x) => `${sign} ${x}`));
  lines.push(...cut(a.slice(start, endA + 1), '-'), ...cut(b.slice(start, endB + 1), '+'));
  for (let i = endA + 1; i < Math.min(a.length, endA + 4); i++) lines.push(`  ${a[i]}`);
  return lines.join('\n');
}

/**
 * Compares `files` with the golden tree at `dir` (every file there, so a stale golden fails too);
 * UPDATE_GOLDEN=1 rewrites the tree from scratch first. A mismatch fails with a readable diff per file.
 */
export function expectGoldenTree(dir: string, files: Map<string, string>): void {
  if (updateGolden) {
    rmSync(dir, { recursive: true, force: true });
    writeOutputs(dir, [...files].map(([relPath, content]) => ({ relPath, content, mode: 0o644 })));
  }
  const golden = readTree(dir) ?? new Map<string, string>();
  const problems: string[] = [];
  for (const path of [...golden.keys()].filter((p) => !files.has(p)).sort()) problems.push(`stale golden file (no longer rendered): ${path}`);
  for (const [path, content] of [...files].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const want = golden.get(path);
    if (want === undefined) problems.push(`missing golden file: ${path}`);
    else if (want !== content) problems.push(`${path} differs from its golden (- golden, + rendered):\n${lineDiff(want, content)}`);
  }
  if (problems.length) expect.fail(`${dir.startsWith(repoRoot) ? dir.slice(repoRoot.length) : dir}: ${problems.length} golden file(s) out of date; review, then UPDATE_GOLDEN=1\n\n${problems.join('\n\n')}`);
}
