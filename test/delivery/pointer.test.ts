// The cloud-init pointer form (spec.cloudInit.payloadUrlBase): a small #cloud-config that fetches
// the node's whole payload as payload.tar, pinned by sha256. The archive holds exactly what the full
// payload's write_files would write; the pointer keeps hostname and SSH keys, is valid for cloud-init
// 22.4, fits EC2 for every example, and its script passes shellcheck.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXAMPLES, loadExample, renderFixture } from '../helpers/fixtures.js';
import { untar } from '../helpers/untar.js';
import { cloudInitRoot, cloudInitSchema } from '../helpers/validators.js';
import { outputFiles } from '../../src/render.js';
import { payloadFormat } from '../../src/rendered.js';
import type { ClusterModel } from '../../src/model/model.js';

const withPointer = (m: ClusterModel): ClusterModel => ({ ...m, cloudInit: { payloadUrlBase: `https://boot.test/${m.name}` } });

describe.each(EXAMPLES)('examples/%s with spec.cloudInit.payloadUrlBase', (name) => {
  it('boots every cloud-init node from a pointer pinning an archive of exactly its full payload files', async () => {
    const inline = await renderFixture(loadExample(name));
    const r = await renderFixture(withPointer(loadExample(name)), inline.model.name);
    const written = new Map(outputFiles(r).map((f) => [f.relPath, f]));
    for (const plan of r.plans) {
      const node = plan.node.name;
      if (r.ignitionConfigs.has(node)) {
        expect(payloadFormat(r, node)).not.toBe('cloud-init-pointer');
        continue;
      }
      expect(payloadFormat(r, node)).toBe('cloud-init-pointer');
      const full = r.cloudInitFull.get(node)!;
      // The full payload is what inline rendering boots from, byte for byte.
      expect(full.userData).toBe(inline.payloads.get(node));
      const pointer = r.payloads.get(node)!;
      expect(Buffer.byteLength(pointer)).toBeLessThan(2048);
      expect(pointer).not.toContain('PRIVATE KEY');
      const doc = parse(pointer) as { hostname?: string; runcmd: string[][]; write_files?: unknown };
      const fullDoc = parse(full.userData) as { hostname?: string; write_files: Array<{ path: string; permissions: string; content: string }> };
      expect(doc.hostname).toBe(fullDoc.hostname);
      expect(doc.write_files).toBeUndefined();
      const script = doc.runcmd[0]![2]!;
      expect(script).toContain(`'https://boot.test/${r.model.name}/${node}/payload.tar'`);
      expect(script).toContain(`'${createHash('sha256').update(full.archive).digest('hex')}  /var/lib/kspray/payload.tar'`);
      expect(script).toContain(`systemctl enable --now --no-block 'kspray-bootstrap.service'`);
      const files = untar(full.archive);
      expect([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))).toEqual(
        fullDoc.write_files.map((f) => [f.path, { mode: parseInt(f.permissions, 8), content: f.content }] as const).sort(([a], [b]) => (a < b ? -1 : 1)),
      );
      // Outputs: the pointer, the archive to serve (0600), and the full user-data for review.
      expect(written.get(`nodes/${node}/pointer.user-data`)!.content).toBe(pointer);
      expect(written.get(`nodes/${node}/payload.tar`)).toMatchObject({ content: full.archive, mode: 0o600 });
      expect(written.get(`nodes/${node}/user-data`)!.content).toBe(full.userData);
    }
  });
});

describe('the pointer, checked by real tools', () => {
  it.runIf(cloudInitRoot() !== undefined)('cloud-init schema accepts it', async () => {
    const r = await renderFixture(withPointer(loadExample('ha')), 'ha');
    const file = join(mkdtempSync(join(tmpdir(), 'kspray-pointer-schema-')), 'pointer.yaml');
    writeFileSync(file, r.payloads.get('cp-1')!);
    const v = cloudInitSchema(cloudInitRoot()!, file);
    expect(v.ok, v.output).toBe(true);
  });

  it.runIf(spawnSync('shellcheck', ['--version']).status === 0)('its script passes shellcheck (sh)', async () => {
    const r = await renderFixture(withPointer(loadExample('single')), 'single');
    const script = (parse(r.payloads.get('cp-1')!) as { runcmd: string[][] }).runcmd[0]![2]!;
    const s = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: script, encoding: 'utf8' });
    expect(s.status, s.stdout).toBe(0);
  });
});
