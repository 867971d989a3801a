// spec.secrets.delivery fetch, rendered for every example: no payload (nor full Ignition config)
// holds a private key or the bootstrap token; what each node fetches equals, path for path, mode for
// mode and byte for byte, what the inline payload would have written; the payloads stay valid for
// the real consumers; and the HA first control plane with RSA-2048 keys fits EC2's 16 KiB.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXAMPLES, loadExample, renderFixture, FIXED_NOW, repoRoot } from '../helpers/fixtures.js';
import { untar } from '../helpers/untar.js';
import { decodeDataUrl } from '../helpers/ignition.js';
import { cloudInitRoot, cloudInitSchema, haveTool, ignitionValidate } from '../helpers/validators.js';
import { prepareBundle, render, type Rendered } from '../../src/render.js';
import { packageRendered } from '../../src/cli/commands/render-provider.js';
import { runsKubernetes, type ClusterModel } from '../../src/model/model.js';
import { NODE_PROGRAM, NODE_PROGRAM_FETCH } from '../../src/plan/nodeProgram.js';

const URL_BASE = 'https://secrets.test/clusters';
const withFetch = (m: ClusterModel): ClusterModel => ({ ...m, secrets: { delivery: 'fetch', urlBase: `${URL_BASE}/${m.name}` } });

interface WrittenFile {
  mode: number;
  content: string;
}

/** What a #cloud-config payload writes: path → mode and content (as cloud-init reads write_files). */
function cloudInitWrites(payload: string): Map<string, WrittenFile> {
  const doc = parse(payload) as { write_files: Array<{ path: string; permissions: string; content: string }> };
  return new Map(doc.write_files.map((f) => [f.path, { mode: parseInt(f.permissions, 8), content: f.content }]));
}

interface IgnFile {
  path: string;
  mode: number;
  contents: { source: string; compression?: string; verification?: { hash?: string } };
}
const ignFiles = (text: string) => new Map(((JSON.parse(text) as { storage: { files: IgnFile[] } }).storage.files).map((f) => [f.path, f]));

const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

/** The payload of `node` and, for Ignition, its full config and every data-URL file in it, decoded. */
function decodedTexts(r: Rendered, node: string): string[] {
  const full = r.ignitionConfigs.get(node);
  if (full === undefined) return [r.payloads.get(node)!];
  const data = [...ignFiles(full).values()].filter((f) => f.contents.source.startsWith('data:'));
  return [r.payloads.get(node)!, full, ...data.map((f) => decodeDataUrl(f.contents.source, f.contents.compression))];
}

/** Secrets that must not appear in any payload of `r`. */
function forbidden(r: Rendered): string[] {
  return ['PRIVATE KEY', r.pki.bootstrapToken.secret];
}

const rendered = new Map<string, { inline: Rendered; fetch: Rendered }>();
async function both(name: string) {
  if (!rendered.has(name)) {
    const model = loadExample(name);
    rendered.set(name, { inline: await renderFixture(model), fetch: await renderFixture(withFetch(loadExample(name)), model.name) });
  }
  return rendered.get(name)!;
}

describe.each(EXAMPLES)('examples/%s with spec.secrets.delivery fetch', (name) => {
  it('no payload and no full Ignition config holds a private key or the bootstrap token', async () => {
    const { inline, fetch } = await both(name);
    const leaks = (r: Rendered) =>
      [...r.payloads.keys()].flatMap((node) => decodedTexts(r, node).flatMap((t) => forbidden(r).filter((x) => t.includes(x)).map((x) => `${node}: ${x === 'PRIVATE KEY' ? x : 'token secret'}`)));
    // The same look at the inline render finds them (the check sees through Ignition's encodings).
    expect(leaks(inline)).toContain(`${inline.plans.find((p) => p.node.isFirstControlPlane)!.node.name}: PRIVATE KEY`);
    expect(leaks(inline).some((l) => l.endsWith('token secret'))).toBe(true);
    expect(leaks(fetch)).toEqual([]);
  });

  it('what each node fetches equals what the inline payload writes (paths, modes, bytes); the rest of the payload is unchanged', async () => {
    const { inline, fetch } = await both(name);
    for (const plan of fetch.plans) {
      const node = plan.node.name;
      const served = fetch.served.get(node)!;
      expect(served.length).toBeGreaterThan(0);
      const full = inline.ignitionConfigs.get(node);
      if (full === undefined) {
        const inlineWrites = cloudInitWrites(inline.payloads.get(node)!);
        const fetchWrites = cloudInitWrites(fetch.payloads.get(node)!);
        expect(served.map((s) => s.relPath)).toEqual([`${node}/secrets.tar`]);
        const archive = served[0]!.content as Buffer;
        // The payload pins the archive it is served with.
        expect(fetchWrites.get('/etc/kspray/secrets.sha256')!.content).toBe(`${createHash('sha256').update(archive).digest('hex')}\n`);
        expect(fetchWrites.get('/etc/kspray/node.env')!.content).toContain(`KSPRAY_SECRETS_URL='${URL_BASE}/${fetch.model.name}/${node}/secrets.tar'`);
        fetchWrites.delete('/etc/kspray/secrets.sha256');
        // The program gains its secrets phase (only fetch payloads ship it), nothing else.
        const programPath = [...inlineWrites.keys()].find((p) => p.endsWith('/kspray-node.sh'))!;
        expect(inlineWrites.get(programPath)!.content).toBe(NODE_PROGRAM);
        expect(fetchWrites.get(programPath)!.content).toBe(NODE_PROGRAM_FETCH);
        fetchWrites.set(programPath, { ...fetchWrites.get(programPath)!, content: NODE_PROGRAM });
        const fetchedEnv = fetchWrites.get('/etc/kspray/node.env')!;
        fetchWrites.set('/etc/kspray/node.env', { ...fetchedEnv, content: fetchedEnv.content.replace(/^KSPRAY_SECRETS_URL=.*\n/m, '') });
        const unpacked = untar(archive);
        // Disjoint, and together exactly what inline writes.
        for (const p of unpacked.keys()) expect(fetchWrites.has(p), p).toBe(false);
        expect(sorted(new Map([...fetchWrites, ...unpacked]))).toEqual(sorted(inlineWrites));
        if (runsKubernetes(plan.node)) expect([...unpacked.keys()]).toContain('/etc/kspray/kubeadm.yaml');
      } else {
        const inlineFiles = ignFiles(full);
        const fetchFiles = ignFiles(fetch.ignitionConfigs.get(node)!);
        expect([...fetchFiles.keys()].sort()).toEqual([...inlineFiles.keys()].sort());
        const byPath = new Map(served.map((s) => [s.relPath, s.content]));
        let remote = 0;
        for (const [path, f] of fetchFiles) {
          const want = inlineFiles.get(path)!;
          expect(f.mode, path).toBe(want.mode);
          if (f.contents.source.startsWith('data:')) {
            expect(f.contents, path).toEqual(want.contents);
            continue;
          }
          remote++;
          expect(f.contents.source).toBe(`${URL_BASE}/${fetch.model.name}/${node}/files${path}`);
          const bytes = byPath.get(`${node}/files${path}`)!;
          expect(bytes.toString()).toBe(decodeDataUrl(want.contents.source, want.contents.compression));
          expect(f.contents.verification!.hash).toBe(`sha512-${createHash('sha512').update(bytes).digest('hex')}`);
        }
        expect(remote).toBe(served.length);
      }
    }
  });
});

describe('delivery fetch: size and validity', () => {
  it('the HA first control plane with RSA-2048 keys fits EC2 user data (and does not inline)', async () => {
    const rsa = (m: ClusterModel): ClusterModel => ({ ...m, pki: { ...m.pki, algorithm: 'RSA-2048' } });
    const model = rsa(loadExample('ha'));
    const prepared = await prepareBundle(model, undefined, '/nonexistent', FIXED_NOW);
    const inline = await render(model, prepared.bundle);
    expect(() => packageRendered(inline, 'aws')).toThrow(/over the limit/);
    const fetched = await render(withFetch(model), prepared.bundle);
    const cp1 = packageRendered(fetched, 'aws').find((p) => p.node === 'cp-1')!;
    expect(cp1.measured).toBeLessThanOrEqual(16384);
  }, 120_000);

  it.runIf(cloudInitRoot() !== undefined)('cloud-init schema accepts the fetch payloads of every cloud-init node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-fetch-schema-'));
    for (const name of EXAMPLES) {
      const { fetch } = await both(name);
      for (const [node, payload] of fetch.payloads) {
        if (fetch.ignitionConfigs.has(node)) continue;
        const file = join(dir, `${name}-${node}.yaml`);
        writeFileSync(file, payload);
        const r = cloudInitSchema(cloudInitRoot()!, file);
        expect(r.ok, `${name}/${node}: ${r.output}`).toBe(true);
      }
    }
  }, 300_000);

  it.runIf(haveTool('ignition-validate'))('ignition-validate accepts the full configs with remote secret files (and a CA)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-fetch-ign-'));
    const ca = readFileSync(join(repoRoot, 'test/fixtures/bundles/flatcar-ha/ca.crt'), 'utf8');
    const model = { ...withFetch(loadExample('flatcar-ha')) };
    model.secrets = { ...model.secrets, caCert: ca };
    const r = await renderFixture(model, 'flatcar-ha');
    let checked = 0;
    for (const [node, config] of r.ignitionConfigs) {
      const parsed = JSON.parse(config) as { ignition: { security?: { tls?: { certificateAuthorities?: Array<{ source: string }> } } } };
      expect(decodeDataUrl(parsed.ignition.security!.tls!.certificateAuthorities![0]!.source)).toBe(ca);
      const file = join(dir, `${node}.ign`);
      writeFileSync(file, config);
      const v = ignitionValidate(file);
      expect(v.ok, `${node}: ${v.output}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
