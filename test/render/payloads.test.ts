// Every generated payload is checked by the real consumer (cloud-init 22.4's schema command) and by
// ajv against the upstream schema; workers never carry a private key; scripts parse with bash -n.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { EXAMPLES, loadExample, renderFixture } from '../helpers/fixtures.js';
import { cloudConfigValidator, cloudInitRoot, cloudInitSchema } from '../helpers/validators.js';
import type { Rendered } from '../../src/render.js';

const rendered = new Map<string, Rendered>();
beforeAll(async () => {
  for (const name of EXAMPLES) rendered.set(name, await renderFixture(loadExample(name)));
});

describe.each(EXAMPLES)('example %s', (example) => {
  it('starts every payload with #cloud-config and parses as YAML 1.1 back to the plan', () => {
    const r = rendered.get(example)!;
    for (const plan of r.plans) {
      const payload = r.payloads.get(plan.node.name)!;
      expect(payload.startsWith('#cloud-config\n')).toBe(true);
      // Read it the way cloud-init does (YAML 1.1): every file must come back byte-identical with
      // a string mode, or 1.1's octal/boolean rules changed a value on the way.
      const config = parse(payload, { version: '1.1' }) as { write_files: Array<{ path: string; content: string; permissions: unknown }> };
      expect(config.write_files.length).toBe(plan.files.size);
      for (const wf of config.write_files) {
        const f = plan.files.get(wf.path)!;
        expect(wf.content, wf.path).toBe(f.content);
        expect(wf.permissions).toBe(`0${f.mode.toString(8)}`);
      }
    }
  });

  it('passes ajv against the upstream cloud-config schema', () => {
    const validate = cloudConfigValidator();
    const r = rendered.get(example)!;
    for (const [name, payload] of r.payloads) {
      expect(validate(parse(payload, { version: '1.1' })), name).toEqual([]);
    }
  });

  it('passes `cloud-init schema --config-file` (cloud-init 22.4)', (ctx) => {
    const root = cloudInitRoot();
    if (!root) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'kspray-ci-'));
    for (const [name, payload] of rendered.get(example)!.payloads) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, payload);
      const result = cloudInitSchema(root, file);
      expect(result.output, name).toContain('Valid cloud-config');
      expect(result.ok, result.output).toBe(true);
    }
  });

  it('gives no worker any PRIVATE KEY, and every control plane its CA key', () => {
    const r = rendered.get(example)!;
    for (const plan of r.plans) {
      const payload = r.payloads.get(plan.node.name)!;
      if (plan.node.isControlPlane) {
        expect(payload).toMatch(/\/etc\/kubernetes\/pki\/ca\.key/);
        expect(payload).toContain('PRIVATE KEY');
      } else {
        expect(payload, plan.node.name).not.toContain('PRIVATE KEY');
        expect([...plan.files.values()].filter((f) => f.secret).map((f) => f.path), plan.node.name).toEqual([]);
      }
    }
  });

  it('has scripts that parse with bash -n', () => {
    const r = rendered.get(example)!;
    let scripts = 0;
    for (const plan of r.plans) {
      for (const f of plan.files.values()) {
        if (!f.content.startsWith('#!') || !/bash|\/sh/.test(f.content.split('\n')[0]!)) continue;
        scripts++;
        const res = spawnSync('bash', ['-n'], { input: f.content, encoding: 'utf8' });
        expect(res.status, `${plan.node.name}:${f.path}: ${res.stderr}`).toBe(0);
      }
    }
    expect(scripts).toBeGreaterThan(0);
  });

  it('renders byte-identical payloads twice from the same spec and bundle', async () => {
    const again = await renderFixture(loadExample(example));
    expect([...again.payloads]).toEqual([...rendered.get(example)!.payloads]);
  });
});
