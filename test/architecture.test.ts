// The import graph of src/ keeps its stages (docs/architecture.md): dependency-cruiser with the rules
// in .dependency-cruiser.cjs finds no cycle and no import from a lower stage to a higher one. The
// second test proves the checker bites: a copy of src/ with one upward import and one type-only
// cycle added must fail with exactly those rules.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/fixtures.js';

const DEPCRUISE = join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: Array<{ name: string }>;
}

/** The json reporter exits 0 whatever it finds: the violations are the verdict. */
function cruise(cwd: string): { violations: Violation[]; stderr: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 || !r.stdout) throw new Error(`dependency-cruiser failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
  return { violations: out.summary.violations, stderr: r.stderr };
}

const describeViolation = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`;

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('import graph of src/ (dependency-cruiser)', () => {
  it('has no cycle and no import against the stage order', () => {
    const r = cruise(repoRoot);
    expect(r.violations.map(describeViolation), r.stderr).toEqual([]);
  });

  it('fails on an upward import (model → emit) and on a type-only cycle (plan ↔ plan)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-depcruise-'));
    temps.push(dir);
    cpSync(join(repoRoot, 'src'), join(dir, 'src'), { recursive: true });
    for (const f of ['.dependency-cruiser.cjs', 'tsconfig.json']) copyFileSync(join(repoRoot, f), join(dir, f));
    appendFileSync(join(dir, 'src', 'model', 'model.ts'), "\nimport '../emit/cloudInit.js';\n");
    // nodePlan.ts is imported by builder.ts; a type import back closes a circle.
    appendFileSync(join(dir, 'src', 'plan', 'nodePlan.ts'), "\nimport type { Builder as _Cycle } from './builder.js';\n");
    const r = cruise(dir);
    const found = r.violations.map(describeViolation);
    expect(found).toContain('stage-model: src/model/model.ts → src/emit/cloudInit.ts');
    expect(found.filter((v) => v.startsWith('no-circular:') && v.includes('src/plan/nodePlan.ts → src/plan/builder.ts')).length, found.join('\n')).toBeGreaterThan(0);
  });
});
