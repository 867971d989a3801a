// kspray diff: one change at a time to the HA example, against the outputs of the unchanged spec;
// each names exactly the nodes and files it touches, the spec path behind each, and the verdict. No
// diff output ever holds secret content; the JSON report validates against its committed schema.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { compileSpec } from '../src/compileSpec.js';
import { outputFiles, prepareBundle, render } from '../src/render.js';
import type { Rendered } from '../src/rendered.js';
import { readTree } from '../src/io/files.js';
import { diffJsonSchema, diffRender, formatDiff, type DiffReport } from '../src/diff/diff.js';
import { changedPayloadFiles, payloadFiles, writeFilesItems } from '../src/diff/payloadFiles.js';
import { EXAMPLES, FIXED_NOW, exampleFile, fixtureBundleDir, loadExample, renderFixture, repoRoot, updateGolden } from './helpers/fixtures.js';
import { spawnSync } from 'node:child_process';
import { parse, stringify } from 'yaml';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
function kspray(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const HA = readFileSync(exampleFile('ha'), 'utf8');

async function renderText(text: string): Promise<{ r: Rendered; additions: string[] }> {
  const model = compileSpec(text, 'cluster.yaml');
  const dir = fixtureBundleDir('ha');
  const prepared = await prepareBundle(model, readTree(dir), dir, FIXED_NOW);
  return { r: await render(model, prepared.bundle), additions: prepared.newFiles.map((f) => f.relPath) };
}

let baseline: Map<string, Buffer>;
let baselineNodes: string[];
beforeAll(async () => {
  const { r } = await renderText(HA);
  baseline = new Map(outputFiles(r).map((f) => [f.relPath, Buffer.from(f.content)]));
  baselineNodes = r.plans.map((p) => p.node.name);
}, 120_000);

async function diffOf(edit: (spec: string) => string): Promise<DiffReport> {
  const text = edit(HA);
  expect(text, 'the edit must change the spec').not.toBe(HA);
  const { r, additions } = await renderText(text);
  return diffRender(r, { read: (rel) => baseline.get(rel), nodeNames: baselineNodes }, additions);
}

const changedNodes = (d: DiffReport) => d.nodes.filter((n) => n.verdict !== 'unchanged').map((n) => `${n.node}:${n.verdict}`);
const filesOf = (d: DiffReport, node: string) => d.nodes.find((n) => n.node === node)!.files.map((f) => `${f.change} ${f.path}`);

const reports: DiffReport[] = [];
const keep = (d: DiffReport) => (reports.push(d), d);

describe('kspray diff, one change at a time (HA example)', () => {
  it('the unchanged spec: no difference', async () => {
    const { r, additions } = await renderText(HA);
    const d = keep(diffRender(r, { read: (rel) => baseline.get(rel), nodeNames: baselineNodes }, additions));
    expect(d.changed).toBe(false);
    expect(d.nodes.every((n) => n.verdict === 'unchanged' && n.files.length === 0)).toBe(true);
  });

  it('a pool label: only the pool, its kubeadm config, from spec.pools[0]; replace (roll the pool)', async () => {
    const d = keep(await diffOf((s) => s.replace('workload: batch', 'workload: batch2')));
    expect(changedNodes(d)).toEqual(['batch:replace']);
    expect(filesOf(d, 'batch')).toEqual(['changed /etc/kspray/kubeadm.yaml']);
    const f = d.nodes.find((n) => n.node === 'batch')!.files[0]!;
    expect(f.specPaths).toEqual(['spec.pools.0']);
    expect(f.diff!.map((c) => `${c.op}${c.text.trim()}`)).toEqual(expect.arrayContaining([expect.stringContaining('workload=batch2')]));
    expect(d.nodes.find((n) => n.node === 'batch')!.action).toMatch(/roll the pool/);
  });

  // Joining control planes read ClusterConfiguration from the cluster (kubeadm-config), so only the
  // first control plane's payload carries it.
  it('an apiserver flag: the first control plane\'s kubeadm config (ClusterConfiguration); replace', async () => {
    const d = keep(await diffOf((s) => s.replace('    loadBalancer: localhost\n', '    loadBalancer: localhost\n    apiServer: { extraArgs: { audit-log-maxage: "30" } }\n')));
    expect(changedNodes(d)).toEqual(['cp-1:replace']);
    expect(filesOf(d, 'cp-1')).toEqual(['changed /etc/kspray/kubeadm.yaml']);
    const lines = d.nodes.find((n) => n.node === 'cp-1')!.files.flatMap((f) => f.diff ?? []).map((c) => c.text);
    expect(lines.join('\n')).toContain('audit-log-maxage');
  });

  it('the Kubernetes patch version: every node, downloads and node.env; in place with kspray upgrade', async () => {
    const d = keep(await diffOf((s) => s.replace('version: "1.36.4"', 'version: "1.36.3"')));
    expect(d.nodes.every((n) => n.verdict === 'in-place' && n.action!.startsWith('kspray upgrade --to 1.36.3'))).toBe(true);
    expect(filesOf(d, 'worker-1')).toEqual(expect.arrayContaining(['changed /etc/kspray/downloads.tsv', 'changed /etc/kspray/node.env']));
  });

  it('a new node: only it, every file added, with a bundle addition (its leaf key) named, not shown', async () => {
    const d = keep(await diffOf((s) => s.replace('  pools:\n', '    - { name: worker-4, address: 10.0.0.24, roles: [worker] }\n  pools:\n')));
    expect(changedNodes(d)).toEqual(['worker-4:new']);
    expect(d.nodes.find((n) => n.node === 'worker-4')!.files.length).toBeGreaterThan(5);
  });

  it('a removed node: it alone, to remove with kspray remove-node', async () => {
    const d = keep(await diffOf((s) => s.replace(/ {4}- \{ name: worker-3.*\n/, '')));
    expect(changedNodes(d)).toEqual(['worker-3:remove']);
    expect(d.nodes.find((n) => n.node === 'worker-3')!.action).toMatch(/^kspray remove-node worker-3/);
  });

  it('the CNI MTU: the first control plane\'s Calico manifest, in place with kubectl apply', async () => {
    const d = keep(await diffOf((s) => s.replace('    plugin: calico\n', '    plugin: calico\n    mtu: 1400\n')));
    expect(changedNodes(d)).toEqual(['cp-1:in-place']);
    expect(filesOf(d, 'cp-1')).toEqual(['changed /etc/kspray/addons/10-calico.yaml']);
    expect(d.nodes.find((n) => n.node === 'cp-1')!.files[0]!.specPaths).toEqual(['spec.network']);
  });

  it('an extra apiserver certificate name: the control planes\' certificates change, named and never shown', async () => {
    const d = keep(await diffOf((s) => s.replace('    loadBalancer: localhost\n', '    loadBalancer: localhost\n    apiServer: { certSANs: [api2.ha.example.internal] }\n')));
    expect(changedNodes(d)).toEqual(['cp-1:replace', 'cp-2:replace', 'cp-3:replace']);
    const cert = d.nodes.find((n) => n.node === 'cp-2')!.files.find((f) => f.path === '/etc/kubernetes/pki/apiserver.crt')!;
    expect(cert).toMatchObject({ change: 'changed', secret: true });
    expect(cert.diff).toBeUndefined();
  });

  // A file the previous render wrote that no plan describes now: only its path can say it held a key.
  it('a file gone from the plan is secret by its path alone (PKI directories, *.key), never shown', async () => {
    const { r, additions } = await renderText(HA);
    const doc = parse(baseline.get('nodes/cp-2/user-data')!.toString('utf8'), { version: '1.1' }) as { write_files: Array<Record<string, string>> };
    const old = (path: string) => ({ path, content: 'OLD KEY MATERIAL\n', permissions: '0600' });
    doc.write_files.push(old('/etc/kubernetes/pki/old-front-proxy.key'), old('/etc/etcd/pki/old-peer.crt'), old('/etc/kspray/old.key'), old('/etc/kspray/old-notes.txt'));
    const prevPayload = `#cloud-config\n${stringify(doc, { version: '1.1', lineWidth: 0 })}`;
    const d = keep(diffRender(r, { read: (rel) => (rel === 'nodes/cp-2/user-data' ? Buffer.from(prevPayload) : baseline.get(rel)), nodeNames: baselineNodes }, additions));
    const removed = d.nodes.find((n) => n.node === 'cp-2')!.files.map((f) => `${f.change} ${f.path} ${f.secret ? 'secret' : 'shown'}`);
    expect(removed).toEqual([
      'removed /etc/etcd/pki/old-peer.crt secret',
      'removed /etc/kspray/old-notes.txt shown',
      'removed /etc/kspray/old.key secret',
      'removed /etc/kubernetes/pki/old-front-proxy.key secret',
    ]);
  });

  it('never prints secret content, in text or JSON, over every case', async () => {
    const bundle = readTree(fixtureBundleDir('ha'))!;
    const token = [...bundle].find(([k]) => /token/i.test(k))?.[1].trim().split(/\s/)[0] ?? '';
    for (const d of reports) {
      for (const out of [formatDiff(d), JSON.stringify(d)]) {
        expect(out).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
        if (token.length > 6) expect(out).not.toContain(token);
      }
      for (const f of d.nodes.flatMap((n) => n.files)) {
        if (f.secret) expect(f.diff).toBeUndefined();
        // Certificates and keys change as base64 lines (their BEGIN line stays): none may be shown.
        if (/\/pki\/|\.(key|crt|pem)$/.test(f.path)) {
          expect(f.secret, f.path).toBe(true);
          expect(f.diff, f.path).toBeUndefined();
        }
      }
    }
  });

  it('every report validates against schema/diff.schema.json (generated from the zod type, kept in sync)', () => {
    const file = join(repoRoot, 'schema', 'diff.schema.json');
    const expected = `${JSON.stringify(diffJsonSchema(), null, 2)}\n`;
    if (updateGolden) writeFileSync(file, expected);
    expect(readFileSync(file, 'utf8'), 'schema/diff.schema.json is stale: UPDATE_GOLDEN=1').toBe(expected);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(expected));
    expect(reports.length).toBeGreaterThan(5);
    for (const d of reports) expect(validate(JSON.parse(JSON.stringify(d))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ apiVersion: 'kspray.dev/v1alpha1', kind: 'Diff', cluster: 'x', changed: 'yes', nodes: [], bundle: { additions: [] } })).toBe(false);
  });
});

// diff reads a changed payload back item by item (only the write_files items that differ are parsed):
// that must give exactly what parsing the whole payload gives, or fall back to it.
describe('reading payloads back: item by item equals the whole parse', () => {
  const unrelated = '#cloud-config\nwrite_files:\n  - path: /nothing/in/common\n    content: x\n';

  it('every cloud-init payload of every example is in the layout read item by item, and reads the same', async () => {
    let payloads = 0;
    for (const name of EXAMPLES) {
      const r = await renderFixture(loadExample(name));
      for (const [node, full] of r.plans.map((p) => [p.node.name, r.cloudInitFull.get(p.node.name)?.userData ?? r.payloads.get(p.node.name)!] as const)) {
        if (full.trimStart().startsWith('{')) continue; // Ignition: JSON, read whole
        payloads++;
        expect(writeFilesItems(full), `${name}/${node}`).toBeDefined();
        expect(changedPayloadFiles(full, unrelated).before, `${name}/${node}`).toEqual(payloadFiles(full));
      }
    }
    expect(payloads).toBeGreaterThan(20);
  }, 120_000);

  it('a changed pair: only the files that differ, each as the whole parse reads it', async () => {
    const before = baseline.get('nodes/cp-1/user-data')!.toString('utf8');
    const { r } = await renderText(HA.replace('version: "1.36.4"', 'version: "1.36.3"'));
    const after = r.payloads.get('cp-1')!;
    const got = changedPayloadFiles(before, after);
    const [wholeA, wholeB] = [payloadFiles(before), payloadFiles(after)];
    const differing = [...wholeB.keys()].filter((p) => JSON.stringify(wholeA.get(p)) !== JSON.stringify(wholeB.get(p))).sort();
    expect(differing.length).toBeGreaterThan(0);
    expect([...got.after.keys()].sort()).toEqual(differing);
    expect([...got.before.keys()].sort()).toEqual(differing);
    for (const p of differing) expect([got.before.get(p), got.after.get(p)]).toEqual([wholeA.get(p), wholeB.get(p)]);
  });

  it('any other shape is read whole: flow style, an item that is not a file on its own', () => {
    const flow = '#cloud-config\nwrite_files: [{ path: /a, content: x }]\n';
    expect(writeFilesItems(flow)).toBeUndefined();
    expect(changedPayloadFiles(flow, unrelated).before).toEqual(new Map([['/a', { mode: 0o644, content: 'x' }]]));
    // A comment at the margin between items does not end write_files: not split there.
    const commented = '#cloud-config\nwrite_files:\n  - path: /a\n    content: x\n# a comment\n  - path: /b\n    content: y\nruncmd: []\n';
    expect(writeFilesItems(commented)).toBeUndefined();
    expect([...changedPayloadFiles(commented, unrelated).before.keys()]).toEqual(['/a', '/b']);
    const alias = '#cloud-config\nwrite_files:\n  - &f { path: /a, content: x }\n  - *f\n';
    expect(changedPayloadFiles(alias, unrelated).before).toEqual(payloadFiles(alias));
  });
});

describe('the CLI: diff --exit-code and render --check', () => {
  it('0 when up to date, 1 after a change (naming it), 2 on bad input; render --check the same and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-diff-'));
    writeFileSync(join(dir, 'cluster.yaml'), HA);
    cpSync(fixtureBundleDir('ha'), join(dir, 'out', 'ha', 'secrets'), { recursive: true });
    expect(kspray(['render', '-f', 'cluster.yaml', '-o', 'out'], dir).code).toBe(0);
    expect(kspray(['diff', '-f', 'cluster.yaml', '-o', 'out', '--exit-code'], dir).code).toBe(0);
    expect(kspray(['render', '--check', '-f', 'cluster.yaml', '-o', 'out'], dir).code).toBe(0);
    writeFileSync(join(dir, 'cluster.yaml'), HA.replace('workload: batch', 'workload: other'));
    const before = readFileSync(join(dir, 'out', 'ha', 'nodes', 'batch', 'user-data'));
    const d = kspray(['diff', '-f', 'cluster.yaml', '-o', 'out', '--exit-code'], dir);
    expect(d.code).toBe(1);
    expect(d.out).toContain('batch (pool): replace');
    expect(kspray(['diff', '-f', 'cluster.yaml', '-o', 'out'], dir).code).toBe(0); // without --exit-code
    const json = kspray(['diff', '-f', 'cluster.yaml', '-o', 'out', '--output', 'json'], dir);
    expect(JSON.parse(json.out).changed).toBe(true);
    const check = kspray(['render', '--check', '-f', 'cluster.yaml', '-o', 'out'], dir);
    expect(check.code).toBe(1);
    expect(check.err).toContain('differs: nodes/batch/user-data');
    expect(readFileSync(join(dir, 'out', 'ha', 'nodes', 'batch', 'user-data')).equals(before)).toBe(true);
    writeFileSync(join(dir, 'cluster.yaml'), HA.replace('version: "1.36.4"', 'version: 1.36.4x'));
    const bad = kspray(['diff', '-f', 'cluster.yaml', '-o', 'out', '--exit-code'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/cluster\.yaml:\d+:\d+/);
  }, 120_000);
});
