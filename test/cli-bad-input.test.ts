// The bad-input corpus (test/fixtures/bad-input, written by its generate.py) through the built CLI:
// every spec, through `validate` and through `render`, exits 2 with an error at the file's line and
// column (or the file itself when the problem has no line), prints no stack trace, and writes
// nothing. EXPECTED.tsv says which rule and where; the line and column of a token are found in the
// file itself, so they are not copied from kspray's output.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/fixtures.js';
import { runCli } from './helpers/runCli.js';
import { MAX_SPEC_BYTES } from '../src/api/inputGuard.js';

const CORPUS = join(repoRoot, 'test', 'fixtures', 'bad-input');

interface Case {
  file: string;
  rule: string;
  where: string;
}

const cases: Case[] = readFileSync(join(CORPUS, 'EXPECTED.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [file, rule, where] = l.split('\t') as [string, string, string];
    return { file, rule, where: JSON.parse(`"${where}"`) as string };
  });

const work = mkdtempSync(join(tmpdir(), 'kspray-bad-input-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Generated here rather than committed: a spec over the byte limit (comments only after a valid head).
const HUGE = join(work, 'huge-bytes.yaml');
writeFileSync(HUGE, `apiVersion: kspray.dev/v1alpha1\n${'# padding padding padding padding padding padding padding padding\n'.repeat(Math.ceil(MAX_SPEC_BYTES / 64) + 10)}`);

/** "file:L:C" for a token (its first occurrence), an explicit "L:C", or just the file for "-". */
function expectedWhere(path: string, where: string): string {
  if (where === '-') return path;
  if (/^\d+:\d+$/.test(where)) return `${path}:${where}`;
  const text = readFileSync(path, 'utf8');
  const index = text.indexOf(where);
  if (index < 0) throw new Error(`${path}: token ${JSON.stringify(where)} not in the file`);
  const before = text.slice(0, index);
  return `${path}:${before.split('\n').length}:${index - before.lastIndexOf('\n')}`;
}

async function expectRefused(args: string[], path: string, c: Omit<Case, 'file'>) {
  const cwd = mkdtempSync(join(work, 'run-'));
  const r = await runCli([...args.map((a) => (a === 'OUT' ? join(cwd, 'out') : a)), '-f', path], cwd);
  expect(r.status, r.stderr).toBe(2);
  const heading = `${expectedWhere(path, c.where)}: error[${c.rule}]: `;
  expect(r.stderr.split('\n').some((l) => l.startsWith(heading)), `no line starting with ${heading} in:\n${r.stderr.slice(0, 2000)}`).toBe(true);
  expect(r.stderr).not.toMatch(/^\s+at .+[:(]/m); // a stack frame
  expect(r.stderr).not.toContain('internal error');
  expect(r.stdout).toBe('');
  expect(readdirSync(cwd), 'nothing written').toEqual([]);
}

describe('bad-input corpus through the built CLI', () => {
  it('has at least 60 specs, each listed once', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();
    expect(files.length).toBeGreaterThanOrEqual(60);
    expect(cases.map((c) => c.file).sort()).toEqual(files);
  });

  // Concurrent: each case is two short CLI processes, mostly start-up.
  describe.concurrent.each(cases)('$file', (c) => {
    const path = join(CORPUS, c.file);
    it(`validate: exit 2, ${c.rule} at ${c.where === '-' ? 'the file' : 'its line and column'}, no stack, nothing written`, () => expectRefused(['validate'], path, c), 60_000);
    it('render: the same, and no output directory', () => expectRefused(['render', '-o', 'OUT'], path, c), 60_000);
  });

  it('a spec over the byte limit: the file named, before parsing', async () => {
    await expectRefused(['validate'], HUGE, { rule: 'spec-size', where: '-' });
    await expectRefused(['render', '-o', 'OUT'], HUGE, { rule: 'spec-size', where: '-' });
  }, 60_000);
});
