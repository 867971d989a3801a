// The import graph of src/ keeps its stages (docs/architecture.md): dependency-cruiser with the rules
// in .dependency-cruiser.cjs finds no cycle and no import from a lower stage to a higher one. The
// second test proves the checker bites: a copy of src/ with one upward import and one type-only
// cycle added must fail with exactly those rules.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
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

  it('is the table docs/architecture.md shows (stage → what it may import)', () => {
    const config = createRequire(import.meta.url)(join(repoRoot, '.dependency-cruiser.cjs')) as {
      forbidden: Array<{ name: string; from: { path?: string }; to: { pathNot?: string[] } }>;
    };
    const stageRules = config.forbidden.filter((r) => r.name.startsWith('stage-') && r.name !== 'stage-unassigned');
    const nameOfPath = new Map(stageRules.map((r) => [r.from.path!, r.name.slice('stage-'.length)]));
    const names = [...nameOfPath.values()];
    const enforced = new Map(stageRules.map((r) => [r.name.slice('stage-'.length), r.to.pathNot!.slice(1).map((p) => nameOfPath.get(p)!).sort()]));
    const doc = readFileSync(join(repoRoot, 'docs', 'architecture.md'), 'utf8');
    const rows = doc.slice(doc.indexOf('| stage | may import')).split('\n').slice(2).filter((l) => l.startsWith('| `'));
    const documented = new Map<string, string[]>();
    for (const row of rows) {
      const [stages, may] = row.split('|').slice(1, 3).map((c) => c.trim());
      for (const stage of stages!.split(',').map((x) => x.trim().replace(/`/g, '').replace(/(\/|\.ts)$/, ''))) {
        const but = /^everything but (\w+)$/.exec(may!);
        const allowed = may === 'nothing' ? [] : but ? names.filter((n) => n !== stage && n !== but[1]) : may!.split(',').map((x) => x.trim());
        documented.set(stage, allowed.sort());
      }
    }
    expect(Object.fromEntries([...documented].sort())).toEqual(Object.fromEntries([...enforced].sort()));
  });
});
