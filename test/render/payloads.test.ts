// Every generated payload is checked by the real consumer (cloud-init 22.4's schema command for
// cloud-config, Debian's ignition-validate for Ignition) and by ajv against the upstream schema;
// workers never carry a private key; scripts parse with bash -n.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { SCENARIOS, loadExample, renderFixture } from '../helpers/fixtures.js';
import {
  cloudConfigValidator,
  cloudInitRoot,
  cloudInitSchema,
  haveTool,
  ignitionValidate,
  ignitionValidator,
} from '../helpers/validators.js';
import { payloadFormat, type Rendered } from '../../src/render.js';
import { ignitionConfig, problemsFromIgnitionValidate } from '../../src/emit/ignition.js';
import { decodeIgnitionFiles } from '../helpers/ignition.js';
import { usesIgnition } from '../../src/plan/osProfile.js';

// A test that has nothing to check for a scenario is not generated for it (no pass that checked
// nothing): cloud-init tests run where some node boots cloud-init, Ignition tests where some boots Ignition.
const formatsOf = (name: string) => new Set(loadExample(name).nodes.map((n) => (usesIgnition(n.os) ? 'ignition' : 'cloud-init')));
const CLOUD_INIT_SCENARIOS = SCENARIOS.filter((name) => formatsOf(name).has('cloud-init'));
const IGNITION_SCENARIOS = SCENARIOS.filter((name) => formatsOf(name).has('ignition'));
/** Debian's ignition-validate (Ignition 2.14) knows spec versions up to 3.3.0 only. */
const IGNITION_33_SCENARIOS = IGNITION_SCENARIOS.filter((name) => loadExample(name).ignition.version === '3.3.0');

const rendered = new Map<string, Rendered>();
const cloudInitPayloads = (r: Rendered) => [...r.payloads].filter(([name]) => payloadFormat(r, name) === 'cloud-init');
beforeAll(async () => {
  for (const name of SCENARIOS) rendered.set(name, await renderFixture(loadExample(name)));
});

describe.each(CLOUD_INIT_SCENARIOS)('example %s, cloud-init payloads', (example) => {
  it('starts every payload with #cloud-config and parses as YAML 1.1 back to the plan', () => {
    const r = rendered.get(example)!;
    for (const plan of r.plans) {
      if (payloadFormat(r, plan.node.name) !== 'cloud-init') continue;
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
    for (const [name, payload] of cloudInitPayloads(r)) {
      expect(validate(parse(payload, { version: '1.1' })), name).toEqual([]);
    }
  });

  it.runIf(haveTool('cloud-init'))('passes `cloud-init schema --config-file` (cloud-init 22.4)', () => {
    const root = cloudInitRoot()!;
    const dir = mkdtempSync(join(tmpdir(), 'kspray-ci-'));
    for (const [name, payload] of cloudInitPayloads(rendered.get(example)!)) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, payload);
      const result = cloudInitSchema(root, file);
      expect(result.output, name).toContain('Valid cloud-config');
      expect(result.ok, result.output).toBe(true);
    }
  });
});

describe.each(SCENARIOS)('example %s', (example) => {
  it('gives no worker any PRIVATE KEY, every control plane its CA key, etcd members only their own keys', () => {
    const r = rendered.get(example)!;
    for (const plan of r.plans) {
      // Ignition file contents are data URLs (often gzipped): look at what lands on the node.
      const full = r.ignitionConfigs.get(plan.node.name);
      const payload = full === undefined ? r.payloads.get(plan.node.name)! : [...decodeIgnitionFiles(full)].map(([path, content]) => `${path}\n${content}`).join('\n');
      if (plan.node.isControlPlane) {
        expect(payload).toMatch(/\/etc\/kubernetes\/pki\/ca\.key/);
        expect(payload).toContain('PRIVATE KEY');
      } else if (plan.node.isEtcd) {
        // An external etcd member: its own server and peer keys, no CA key (test/etcd/externalEtcd.test.ts compares contents).
        expect([...plan.files.values()].filter((f) => f.secret).map((f) => f.path).sort(), plan.node.name).toEqual(['/etc/etcd/pki/peer.key', '/etc/etcd/pki/server.key']);
        expect(payload, plan.node.name).not.toMatch(/ca\.key/);
      } else {
        expect(payload, plan.node.name).not.toContain('PRIVATE KEY');
        if (full !== undefined) expect(full + r.payloads.get(plan.node.name)!, plan.node.name).not.toContain('PRIVATE KEY');
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
    expect([...again.ignitionConfigs]).toEqual([...rendered.get(example)!.ignitionConfigs]);
  });

});

describe.each(IGNITION_SCENARIOS)('example %s, Ignition configs', (example) => {
  it('gives Ignition configs that decode back to the plan: files, modes, units, drop-ins, the enabled bootstrap unit', () => {
    const r = rendered.get(example)!;
    for (const plan of r.plans) {
      const full = r.ignitionConfigs.get(plan.node.name);
      if (full === undefined) continue;
      const decoded = decodeIgnitionFiles(full);
      const expected = new Map([...plan.files.values()].map((f) => [f.path, f.content]));
      if (plan.node.kind === 'node') expected.set('/etc/hostname', `${plan.node.name}\n`);
      expect([...decoded.keys()].sort(), plan.node.name).toEqual([...expected.keys()].sort());
      for (const [path, content] of expected) expect(decoded.get(path), `${plan.node.name}:${path}`).toBe(content);
      const config = JSON.parse(full) as { ignition: { version: string }; storage: { files: Array<{ path: string; mode: number }> }; systemd: { units: Array<{ name: string; enabled?: boolean }> } };
      expect(config.ignition.version).toBe(r.model.ignition.version);
      for (const f of config.storage.files) {
        if (plan.files.has(f.path)) expect(f.mode, f.path).toBe(plan.files.get(f.path)!.mode);
      }
      expect(config.systemd.units.filter((u) => u.enabled).map((u) => u.name)).toEqual(['kspray-bootstrap.service']);
      // Sorted keys, compact, one newline: the same bytes whatever order the config was built in.
      expect(full).toBe(`${JSON.stringify(JSON.parse(full))}\n`);
    }
  });

  it('passes ajv against the upstream Ignition schema of its spec version', () => {
    const r = rendered.get(example)!;
    const validate = ignitionValidator(r.model.ignition.version);
    for (const plan of r.plans) {
      const full = r.ignitionConfigs.get(plan.node.name);
      if (full === undefined) continue;
      for (const text of new Set([full, r.payloads.get(plan.node.name)!])) {
        // A rejected entry is reported at the spec path that produced it (butane-style provenance).
        const c = ignitionConfig(plan, r.model.ignition.version);
        const problems = validate(JSON.parse(text)).map((e) => ({ ...e, origin: c.origins.find((o) => e.at.startsWith(o.pointer))?.origin }));
        expect(problems, plan.node.name).toEqual([]);
      }
    }
  });

});

describe.each(IGNITION_33_SCENARIOS)('example %s, Ignition spec 3.3.0', (example) => {
  it.runIf(haveTool('ignition-validate'))('passes Debian\'s `ignition-validate` (Ignition 2.14, spec 3.3.0)', () => {
    const r = rendered.get(example)!;
    const dir = mkdtempSync(join(tmpdir(), 'kspray-ign-'));
    for (const plan of r.plans) {
      const full = r.ignitionConfigs.get(plan.node.name);
      if (full === undefined) continue;
      for (const [kind, text] of [['config', full], ['pointer', r.payloads.get(plan.node.name)!]] as const) {
        const file = join(dir, `${plan.node.name}.${kind}.ign`);
        writeFileSync(file, text);
        const result = ignitionValidate(file);
        // On failure, show where in the spec each error comes from.
        const where = problemsFromIgnitionValidate(plan.node.name, ignitionConfig(plan, r.model.ignition.version), result.output);
        expect({ ok: result.ok, output: result.output, where }, file).toEqual({ ok: true, output: '', where: [] });
      }
    }
  });
});
