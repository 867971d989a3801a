// `--output json` of kspray's tables: render's summary, certs check, upgrade --plan and artifacts list.
// Each shape is one zod schema; its JSON Schema is committed under schema/ (UPDATE_GOLDEN=1 rewrites
// it) and the real CLI's output is validated against the committed file with ajv, then checked
// against what the same run wrote or printed as text, so the JSON says what the table says.
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { addFormats } from './helpers/validators.js';
import { renderSummaryJsonSchema } from '../src/cli/summary.js';
import { certsCheckJsonSchema } from '../src/lifecycle/certs.js';
import { upgradePlanJsonSchema } from '../src/lifecycle/upgradeReport.js';
import { artifactListJsonSchema } from '../src/artifacts/offline.js';
import { allowedTargets } from '../src/lifecycle/upgrade.js';
import { kubernetesVersions } from '../src/catalog/catalog.js';
import { PROVIDER_FORMATS } from '../src/emit/providers/index.js';
import { exampleFile, fixtureBundleDir, repoRoot, updateGolden } from './helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const kspray = (args: string[], cwd: string) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const SCHEMAS = {
  'render-summary': renderSummaryJsonSchema,
  'certs-check': certsCheckJsonSchema,
  'upgrade-plan': upgradePlanJsonSchema,
  'artifacts-list': artifactListJsonSchema,
} as const;
type Report = keyof typeof SCHEMAS;

/** The committed file (what users and tools read), after checking it is what the code generates. */
function committedValidator(name: Report): ValidateFunction {
  const file = join(repoRoot, 'schema', `${name}.schema.json`);
  const expected = `${JSON.stringify(SCHEMAS[name](), null, 2)}\n`;
  if (updateGolden) writeFileSync(file, expected);
  expect(readFileSync(file, 'utf8'), `schema/${name}.schema.json is stale: UPDATE_GOLDEN=1 npx vitest run test/reportSchemas.test.ts`).toBe(expected);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(expected));
}

function valid(name: Report, doc: unknown): boolean {
  const validate = committedValidator(name);
  const ok = validate(doc);
  expect(validate.errors ?? []).toEqual([]);
  return ok;
}

const HA = readFileSync(exampleFile('ha'), 'utf8');
// A version with an upgrade target in the catalog (the example may already be on the newest).
const versions = kubernetesVersions();
const FROM = versions.find((v) => allowedTargets(v, versions).length > 0)!;
const TO = allowedTargets(FROM, versions)[0]!;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kspray-reports-'));
  writeFileSync(join(dir, 'cluster.yaml'), HA);
  writeFileSync(join(dir, 'older.yaml'), HA.replace('version: "1.36.4"', `version: "${FROM}"`));
  cpSync(fixtureBundleDir('ha'), join(dir, 'out', 'ha', 'secrets'), { recursive: true });
});

describe('render --output json', () => {
  it('validates, and names every payload with the bytes render wrote', () => {
    const r = kspray(['render', '-f', 'cluster.yaml', '-o', 'out', '--output', 'json'], dir);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as { kind: string; nodes: Array<{ node: string; payload: string; bytes: number; delivery?: { fits: boolean } }> };
    expect(valid('render-summary', doc)).toBe(true);
    expect(doc.kind).toBe('RenderSummary');
    expect(r.err).not.toMatch(/^node\s+role/m); // the table is the text format's
    for (const n of doc.nodes) {
      const file = join(dir, 'out', 'ha', 'nodes', n.node, n.payload.startsWith('ignition') ? 'config.ign' : 'user-data');
      expect(statSync(file).size, n.node).toBe(n.bytes);
    }
    const text = kspray(['render', '-f', 'cluster.yaml', '-o', 'out'], dir);
    const tableRows = text.err.split('\n').filter((l) => doc.nodes.some((n) => l.startsWith(`${n.node} `)));
    expect(tableRows.map((l) => l.split(/\s+/)[0])).toEqual(doc.nodes.map((n) => n.node));
    expect(validAfter('render-summary', doc, (d) => delete (d.nodes as Array<Record<string, unknown>>)[0]!.bytes)).toBe(false);
    // A cloud with a limit: what it receives and the limit, as the table's columns say.
    const gce = kspray(['render', '-f', 'cluster.yaml', '-o', 'out', '--provider', 'gce', '--output', 'json'], dir);
    expect(gce.code, gce.err).toBe(0);
    const gceDoc = JSON.parse(gce.out) as { provider: string; nodes: Array<{ node: string; delivery: { encoding: string; sentBytes: number; limitBytes?: number; fits: boolean } }> };
    expect(valid('render-summary', gceDoc)).toBe(true);
    expect(gceDoc.provider).toBe('gce');
    const gceTable = kspray(['render', '-f', 'cluster.yaml', '-o', 'out', '--provider', 'gce'], dir).err;
    for (const n of gceDoc.nodes) {
      const gceLimit = PROVIDER_FORMATS.gce.limit;
      if (gceLimit === undefined) throw new Error('gce has a documented user-data limit');
      expect(n.delivery.limitBytes).toBe(gceLimit);
      expect(n.delivery.sentBytes).toBeLessThanOrEqual(gceLimit);
      expect(gceTable).toMatch(new RegExp(`^${n.node} .*\\s${n.delivery.encoding}\\s+${n.delivery.sentBytes}\\s+yes$`, 'm'));
    }
  }, 120_000);

  it('refuses --output json with --node or --check (exit 2), and an unknown format', () => {
    for (const extra of [['--node', 'cp-1'], ['--check'], []]) {
      const r = kspray(['render', '-f', 'cluster.yaml', '-o', 'out', '--output', extra.length ? 'json' : 'yaml', ...extra], dir);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(extra.length ? /--output json cannot be combined with/ : /--output "yaml"/);
    }
  }, 60_000);
});

describe('certs check --output json', () => {
  it('validates, lists what the table lists, and keeps the exit code (1 when some expire)', () => {
    const ok = kspray(['certs', 'check', '-f', 'cluster.yaml', '-o', 'out', '--at', '2026-02-01', '--output', 'json'], dir);
    expect(ok.code, ok.err).toBe(0);
    const doc = JSON.parse(ok.out) as { cluster: string; at: string; notOk: number; certificates: Array<{ name: string; daysLeft: number; status: string }> };
    expect(valid('certs-check', doc)).toBe(true);
    expect(doc.at).toBe('2026-02-01T00:00:00.000Z');
    const table = kspray(['certs', 'check', '-f', 'cluster.yaml', '-o', 'out', '--at', '2026-02-01'], dir).out.trimEnd().split('\n').slice(1);
    expect(doc.certificates.map((c) => `${c.name} ${c.daysLeft} ${c.status}`)).toEqual(table.map((l) => l.split(/\s{2,}/)).map((c) => `${c[0]} ${c[3]} ${c[4]}`));
    const late = kspray(['certs', 'check', '-f', 'cluster.yaml', '-o', 'out', '--at', '2026-12-15', '--output', 'json'], dir);
    expect(late.code).toBe(1);
    const lateDoc = JSON.parse(late.out) as typeof doc;
    expect(valid('certs-check', lateDoc)).toBe(true);
    expect(lateDoc.notOk).toBe(lateDoc.certificates.filter((c) => c.status !== 'ok').length);
    expect(lateDoc.notOk).toBeGreaterThan(0);
    expect(validAfter('certs-check', doc, (d) => ((d.certificates as Array<Record<string, unknown>>)[0]!.status = 'fine'))).toBe(false);
  }, 60_000);
});

describe('upgrade --plan --output json', () => {
  it('validates, has the steps the text plan numbers, and locates the spec change', () => {
    const r = kspray(['upgrade', '-f', 'older.yaml', '--to', TO, '--plan', '--output', 'json'], dir);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as { from: string; to: string; steps: Array<{ title: string }>; specChange: { line: number; col: number } };
    expect(valid('upgrade-plan', doc)).toBe(true);
    expect([doc.from, doc.to]).toEqual([FROM, TO]);
    const text = kspray(['upgrade', '-f', 'older.yaml', '--to', TO, '--plan'], dir).out;
    expect(doc.steps.map((s, i) => `${i + 1}. ${s.title}`)).toEqual([...text.matchAll(/^(\d+)\. \[[a-z-]+\] (.*)$/gm)].map((m) => `${m[1]}. ${m[2]}`));
    expect(text).toContain(`older.yaml:${doc.specChange.line}:${doc.specChange.col}:`);
    const lines = readFileSync(join(dir, 'older.yaml'), 'utf8').split('\n');
    expect(lines[doc.specChange.line - 1]!.slice(doc.specChange.col - 1)).toBe(`"${FROM}"`);
    expect(kspray(['upgrade', '-f', 'older.yaml', '--to', TO, '--apply', '--output', 'json'], dir).code).toBe(2);
    expect(validAfter('upgrade-plan', doc, (d) => (d.kind = 'Upgrade'))).toBe(false);
  }, 60_000);
});

describe('artifacts list --format json', () => {
  it('carries apiVersion and kind like every report, and validates', () => {
    const r = kspray(['artifacts', 'list', '-f', 'cluster.yaml', '--format', 'json'], dir);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as { apiVersion: string; kind: string; files: Array<{ url: string }> };
    expect(valid('artifacts-list', doc)).toBe(true);
    expect([doc.apiVersion, doc.kind]).toEqual(['kspray.dev/v1alpha1', 'ArtifactList']);
    const text = kspray(['artifacts', 'list', '-f', 'cluster.yaml'], dir).out;
    expect(doc.files.map((f) => f.url)).toEqual(text.split('\n').filter((l) => /^https?:/.test(l)).map((l) => l.split('\t')[0]));
    expect(validAfter('artifacts-list', doc, (d) => ((d.files as Array<Record<string, unknown>>)[0]!.sha256 = 'abc'))).toBe(false);
  }, 60_000);
});

/** A copy of a valid report with one thing broken: the committed schema must refuse it. */
function validAfter(name: Report, doc: unknown, breakIt: (d: Record<string, unknown>) => void): boolean {
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  breakIt(copy);
  return committedValidator(name)(copy);
}
