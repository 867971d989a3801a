// spec.secrets.delivery aws-secrets-manager, rendered for every example (as provider aws): no
// payload (nor full Ignition config, nor any data URL in it) holds a private key or the bootstrap
// token; payload plus archive is exactly what the inline payload writes (paths, modes, bytes), on
// cloud-init and Ignition nodes alike (Ignition cannot call Secrets Manager: the node program
// fetches); the payload names the node's secret and pins the archive; the HA first control plane
// with RSA-2048 keys fits EC2's 16 KiB and its stored secret Secrets Manager's 64 KiB; and the
// payloads stay valid for cloud-init and ignition-validate.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLES, loadExample, renderFixture, FIXED_NOW } from '../helpers/fixtures.js';
import { untar } from '../helpers/untar.js';
import { cloudInitRoot, cloudInitSchema, haveTool, ignitionValidate } from '../helpers/validators.js';
import { prepareBundle, render, type Rendered } from '../../src/render.js';
import { packageRendered } from '../../src/cli/commands/render-provider.js';
import { payloadFiles } from '../../src/diff/payloadFiles.js';
import { nodeSecret, SECRET_MAX_BYTES } from '../../src/aws/nodeSecrets.js';
import { NODE_PROGRAM, NODE_PROGRAM_AWS_SECRETS } from '../../src/plan/nodeProgram.js';
import { identityRole } from '../../src/plan/builders/secretsDelivery.js';
import type { ClusterModel } from '../../src/model/model.js';

const withAws = (m: ClusterModel): ClusterModel => ({ ...m, provider: 'aws', secrets: { delivery: 'aws-secrets-manager' } });
const withInlineAws = (m: ClusterModel): ClusterModel => ({ ...m, provider: 'aws' });

/** What the node ends up with from its payload: the full config for Ignition nodes (a pointer fetches it). */
const written = (r: Rendered, node: string) => payloadFiles(r.ignitionConfigs.get(node) ?? r.payloads.get(node)!);
const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

const renders = new Map<string, { inline: Rendered; aws: Rendered }>();
async function both(name: string) {
  if (!renders.has(name)) {
    const model = loadExample(name);
    renders.set(name, { inline: await renderFixture(withInlineAws(model), model.name), aws: await renderFixture(withAws(loadExample(name)), model.name) });
  }
  return renders.get(name)!;
}

describe.each(EXAMPLES)('examples/%s with spec.secrets.delivery aws-secrets-manager', (name) => {
  it('no payload holds a private key or the token; payload + archive = what inline writes; the payload names its secret and pins the archive', async () => {
    const { inline, aws } = await both(name);
    const forbidden = ['PRIVATE KEY', aws.pki.bootstrapToken.secret];
    for (const plan of aws.plans) {
      const node = plan.node.name;
      for (const [path, f] of written(aws, node)) for (const x of forbidden) expect(f.content.includes(x), `${node}:${path} holds ${x === 'PRIVATE KEY' ? x : 'the token'}`).toBe(false);
      for (const x of forbidden) expect(aws.payloads.get(node)!.includes(x)).toBe(false);
      const served = aws.served.get(node)!;
      expect(served.map((s) => s.relPath)).toEqual([`${node}/secrets.tar`]);
      const archive = served[0]!.content as Buffer;
      const files = written(aws, node);
      expect(files.get('/etc/kspray/secrets.sha256')!.content).toBe(`${createHash('sha256').update(archive).digest('hex')}\n`);
      const env = files.get('/etc/kspray/node.env')!.content;
      expect(env).toContain(`KSPRAY_SECRETS_ID='kspray/${aws.model.name}/${identityRole(plan.node)}/${node}'\n`);
      expect(env).toContain(`KSPRAY_SECRETS_DELETE='${plan.node.kind === 'node' ? 'yes' : 'no'}'\n`);
      // Back to what inline writes: less the pin and the two env lines, the plain program, plus the archive.
      files.delete('/etc/kspray/secrets.sha256');
      files.set('/etc/kspray/node.env', { ...files.get('/etc/kspray/node.env')!, content: env.replace(/^KSPRAY_SECRETS_(ID|DELETE)=.*\n/gm, '') });
      const program = [...files.keys()].find((p) => p.endsWith('/kspray-node.sh'))!;
      expect(files.get(program)!.content).toBe(NODE_PROGRAM_AWS_SECRETS);
      files.set(program, { ...files.get(program)!, content: NODE_PROGRAM });
      const unpacked = untar(archive);
      for (const p of unpacked.keys()) expect(files.has(p), p).toBe(false);
      expect(sorted(new Map([...files, ...unpacked])), node).toEqual(sorted(written(inline, node)));
    }
  });
});

describe('delivery aws-secrets-manager: size and validity', () => {
  it('the HA first control plane with RSA-2048 keys fits EC2 user data, and its secret fits Secrets Manager', async () => {
    const model = withAws({ ...loadExample('ha'), pki: { ...loadExample('ha').pki, algorithm: 'RSA-2048' } });
    const prepared = await prepareBundle(model, undefined, '/nonexistent', FIXED_NOW);
    const r = await render(model, prepared.bundle);
    const cp1 = packageRendered(r, 'aws').find((p) => p.node === 'cp-1')!;
    expect(cp1.measured).toBeLessThanOrEqual(16384);
    for (const f of cp1.files) expect(Buffer.from(f.content).toString('latin1')).not.toContain(prepared.bundle.bootstrapToken.secret);
    expect(r.payloads.get('cp-1')).not.toContain('PRIVATE KEY');
    const secret = nodeSecret(r, r.model.nodes.find((n) => n.name === 'cp-1')!)!;
    expect(secret.name).toBe('kspray/ha/control-plane/cp-1');
    expect(secret.value.length).toBeLessThanOrEqual(SECRET_MAX_BYTES);
    expect(untar(Buffer.from(r.served.get('cp-1')![0]!.content as Buffer)).get('/etc/kubernetes/pki/ca.key')!.content).toContain('PRIVATE KEY');
  }, 120_000);

  it.runIf(cloudInitRoot() !== undefined)('cloud-init schema accepts the payloads of the HA example', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-aws-sm-schema-'));
    const { aws } = await both('ha');
    for (const [node, payload] of aws.payloads) {
      const file = join(dir, `${node}.yaml`);
      writeFileSync(file, payload);
      const v = cloudInitSchema(cloudInitRoot()!, file);
      expect(v.ok, `${node}: ${v.output}`).toBe(true);
    }
  }, 120_000);

  it.runIf(haveTool('ignition-validate'))('ignition-validate accepts the Flatcar configs, which carry no remote secret source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-aws-sm-ign-'));
    const { aws } = await both('flatcar-ha');
    for (const [node, config] of aws.ignitionConfigs) {
      expect(config).not.toMatch(/"source":"https:/);
      const file = join(dir, `${node}.ign`);
      writeFileSync(file, config);
      const v = ignitionValidate(file);
      expect(v.ok, `${node}: ${v.output}`).toBe(true);
    }
  });
});
