// The Ignition emitter (emit/ignition.ts): data URLs, deterministic JSON, the pointer config, spec
// 3.4.0, provenance of errors found in a config (ours, ajv's or ignition-validate's) back to the
// spec line, and the CLI around it (render --node, --ignition-url-base, the EC2 size refusal).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkIgnition,
  dataUrl,
  emitIgnition,
  ignitionConfig,
  originOf,
  pointerConfig,
  problemsFromIgnitionValidate,
  stableJson,
} from '../../src/emit/ignition.js';
import { KsprayError } from '../../src/errors/errors.js';
import { formatError } from '../../src/cli/report.js';
import { loadSpec } from '../../src/api/loadSpec.js';
import type { NodePlan } from '../../src/plan/nodePlan.js';
import type { Rendered } from '../../src/render.js';
import { exampleFile, loadExample, renderFixture, repoRoot } from '../helpers/fixtures.js';
import { decodeDataUrl, decodeIgnitionFiles } from '../helpers/ignition.js';
import { haveTool, ignitionValidate, ignitionValidator } from '../helpers/validators.js';

let mixed: Rendered;
let flatcarHa: Rendered;
beforeAll(async () => {
  mixed = await renderFixture(loadExample('mixed'));
  flatcarHa = await renderFixture(loadExample('flatcar-ha'));
});
const planOf = (r: Rendered, name: string) => r.plans.find((p) => p.node.name === name)!;
const clone = (plan: NodePlan): NodePlan => ({ ...plan, files: new Map(plan.files) });
const tmp = () => mkdtempSync(join(tmpdir(), 'kspray-ign-'));

describe('data URLs', () => {
  it('gzip+base64 when shorter (compression: gzip), percent-encoded otherwise; both decode to the content', () => {
    const small = 'k8s\n';
    const big = 'repeated line of text\n'.repeat(200);
    expect(dataUrl(small)).toEqual({ source: 'data:,k8s%0A' });
    const gz = dataUrl(big);
    expect(gz.compression).toBe('gzip');
    expect(gz.source.startsWith('data:;base64,')).toBe(true);
    expect(gz.source.length).toBeLessThan(big.length / 5);
    for (const text of [small, big, "quotes ' \" % # ? & spaces, ünïcode\n"]) {
      const u = dataUrl(text);
      expect(decodeDataUrl(u.source, u.compression)).toBe(text);
    }
  });

  it('JSON keys are sorted at every level', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });
});

describe('Ignition configs', () => {
  it('Flatcar: nothing under read-only /usr, containerd drop-in, enabled bootstrap unit, core user keys, hostname for fixed nodes only', () => {
    for (const name of ['cp-1', 'worker-1', 'workers']) {
      const text = flatcarHa.ignitionConfigs.get(name)!;
      const config = JSON.parse(text) as {
        passwd: { users: Array<{ name: string; sshAuthorizedKeys: string[] }> };
        storage: { files: Array<{ path: string; overwrite: boolean }> };
        systemd: { units: Array<{ name: string; enabled?: boolean; dropins?: Array<{ name: string }> }> };
      };
      expect(config.storage.files.filter((f) => f.path.startsWith('/usr/'))).toEqual([]);
      expect(config.storage.files.every((f) => f.overwrite)).toBe(true);
      expect(config.systemd.units.find((u) => u.name === 'containerd.service')).toEqual({
        name: 'containerd.service',
        dropins: [expect.objectContaining({ name: '10-kspray.conf' })],
      });
      expect(config.systemd.units.find((u) => u.name === 'kspray-bootstrap.service')?.enabled).toBe(true);
      expect(config.passwd.users).toEqual([{ name: 'core', sshAuthorizedKeys: [expect.stringMatching(/^ssh-ed25519 /)] }]);
      const files = decodeIgnitionFiles(text);
      expect(files.get('/etc/hostname')).toBe(name === 'workers' ? undefined : `${name}\n`);
      expect(files.get('/etc/kspray/node.env')).toContain("KSPRAY_BIN_DIR='/opt/bin'");
      expect(files.get('/etc/kspray/downloads.tsv')).not.toMatch(/^(containerd|runc)\t/m);
    }
  });

  it('points the node at <configUrlBase>/<node>/config.ign with the sha512 of the full config', () => {
    const full = flatcarHa.ignitionConfigs.get('cp-1')!;
    const pointer = JSON.parse(flatcarHa.payloads.get('cp-1')!);
    expect(pointer).toEqual({
      ignition: {
        version: '3.3.0',
        config: {
          replace: {
            source: 's3://kspray-flatcar-ha/ignition/cp-1/config.ign',
            verification: { hash: `sha512-${createHash('sha512').update(full).digest('hex')}` },
          },
        },
      },
    });
    expect(flatcarHa.payloads.get('cp-1')!.length).toBeLessThan(1024);
    // No URL base: the full config is the payload.
    expect(mixed.payloads.get('fcos-1')).toBe(mixed.ignitionConfigs.get('fcos-1'));
    expect(pointerConfig('{}\n', 'https://x.example/a/config.ign', '3.4.0')).toContain('"version":"3.4.0"');
  });

  it('spec 3.4.0 passes ajv with the v3_4 schema (Debian ignition-validate 2.14 stops at 3.3.0)', () => {
    const validate = ignitionValidator('3.4.0');
    for (const plan of mixed.plans.filter((p) => mixed.ignitionConfigs.has(p.node.name))) {
      const text = emitIgnition(plan, '3.4.0');
      expect(JSON.parse(text).ignition.version).toBe('3.4.0');
      expect(validate(JSON.parse(text)), plan.node.name).toEqual([]);
      expect(validate(JSON.parse(pointerConfig(text, 'https://boot.example/x/config.ign', '3.4.0')))).toEqual([]);
    }
  });

  // The schemas do not pin the version; Ignition 2.14 does, and knows only up to 3.3.0.
  it.runIf(haveTool('ignition-validate'))('spec 3.4.0 is "unsupported config version" to Debian\'s ignition-validate 2.14', () => {
    const file = join(tmp(), 'v34.ign');
    writeFileSync(file, emitIgnition(planOf(mixed, 'fcos-1'), '3.4.0'));
    expect(ignitionValidate(file).output).toContain('unsupported config version');
  });
});

describe('spec.ignition', () => {
  const spec = (ignition: string) =>
    `apiVersion: kspray.dev/v1alpha1\nkind: Cluster\nmetadata: { name: demo }\nspec:\n${ignition}  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: flatcar }\n`;
  it('defaults to 3.3.0 with no URL base; a base loses its trailing slash; 3.5.0 is refused at its line', async () => {
    const { compileSpec } = await import('../../src/compileSpec.js');
    expect(compileSpec(spec(''), 'c.yaml').ignition).toEqual({ version: '3.3.0', configUrlBase: undefined });
    expect(compileSpec(spec('  ignition: { version: "3.4.0", configUrlBase: "https://b.example/ign/" }\n'), 'c.yaml').ignition).toEqual({
      version: '3.4.0',
      configUrlBase: 'https://b.example/ign',
    });
    let error: unknown;
    try {
      compileSpec(spec('  ignition:\n    version: "3.5.0"\n'), 'c.yaml');
    } catch (e) {
      error = e;
    }
    expect(formatError(error as KsprayError)).toMatch(/^c\.yaml:6:14: error\[invalid-value\]/);
  });
});

describe('provenance: an error found in a config points at the spec line', () => {
  // A file entry Ignition refuses, as if the flatcar pool's os had produced it.
  const broken = () => {
    const plan = clone(planOf(mixed, 'flatcar-workers'));
    plan.files.set('etc/relative.conf', { path: 'etc/relative.conf', content: 'x\n', mode: 0o644, builder: 'test', origin: ['spec', 'pools', 0, 'os'] });
    return plan;
  };
  const specText = readFileSync(exampleFile('mixed'), 'utf8');
  const osLine = specText.split('\n').findIndex((l) => l.includes('os: flatcar')) + 1;

  it('the emitter refuses it, at the spec path, shown as file:line:col', () => {
    let error: unknown;
    try {
      emitIgnition(broken(), '3.3.0');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KsprayError);
    const e = error as KsprayError;
    expect(e.problems).toEqual([expect.objectContaining({ rule: 'ignition-valid', path: ['spec', 'pools', 0, 'os'] })]);
    expect(e.problems[0]!.message).toContain('etc/relative.conf');
    const located = new KsprayError(e.kind, e.problems, 'examples/mixed/cluster.yaml', loadSpec(specText, 'examples/mixed/cluster.yaml').source);
    expect(formatError(located)).toMatch(new RegExp(`^examples/mixed/cluster\\.yaml:${osLine}:\\d+: error\\[ignition-valid\\]`));
  });

  it.runIf(haveTool('ignition-validate'))('ignition-validate rejects the same entry, and its error maps back to the same spec path', () => {
    const c = ignitionConfig(broken(), '3.3.0');
    expect(checkIgnition('flatcar-workers', c)).toHaveLength(1);
    const file = join(tmp(), 'broken.ign');
    writeFileSync(file, c.text);
    const result = ignitionValidate(file);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/error at \$\.storage\.files\.\d+\.path/);
    expect(problemsFromIgnitionValidate('flatcar-workers', c, result.output)).toEqual([
      expect.objectContaining({ rule: 'ignition-valid', path: ['spec', 'pools', 0, 'os'] }),
    ]);
  });

  it('maps JSON pointers (ajv) and $-paths to the deepest entry', () => {
    const c = ignitionConfig(planOf(mixed, 'flatcar-workers'), '3.3.0');
    const dropin = c.origins.find((o) => o.what === 'containerd.service.d/10-kspray.conf')!;
    expect(originOf(c, `${dropin.pointer}/contents`)?.origin).toEqual(['spec', 'pools', 0, 'os']);
    const i = c.origins.findIndex((o) => o.what === '/etc/containerd/config.toml');
    expect(originOf(c, `$${c.origins[i]!.pointer.replace(/\//g, '.')}.contents.source`)?.what).toBe('/etc/containerd/config.toml');
  });
});

describe('kspray render with Ignition nodes (CLI)', () => {
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');
  const kspray = (args: string[], cwd: string) => {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('--node prints the Ignition config; the outputs hold config.ign (no user-data); --ignition-url-base adds pointer.ign', () => {
    const dir = tmp();
    const one = kspray(['render', '-f', exampleFile('mixed'), '--out', 'out', '--node', 'flatcar-workers'], dir);
    expect(one.code, one.err).toBe(0);
    expect(JSON.parse(one.out).ignition.version).toBe('3.3.0');
    const all = kspray(['render', '-f', exampleFile('mixed'), '--out', 'out', '--ignition-url-base', 'https://boot.example.com/ign/'], dir);
    expect(all.code, all.err).toBe(0);
    expect(all.err).toMatch(/flatcar-workers \(pool x4\)\s+worker\s+flatcar\s+ignition-pointer/);
    const nodeDir = join(dir, 'out', 'mixed', 'nodes', 'flatcar-workers');
    expect(existsSync(join(nodeDir, 'user-data'))).toBe(false);
    const pointer = JSON.parse(readFileSync(join(nodeDir, 'pointer.ign'), 'utf8'));
    expect(pointer.ignition.config.replace.source).toBe('https://boot.example.com/ign/flatcar-workers/config.ign');
    expect(pointer.ignition.config.replace.verification.hash).toBe(
      `sha512-${createHash('sha512').update(readFileSync(join(nodeDir, 'config.ign'))).digest('hex')}`,
    );
    expect(existsSync(join(dir, 'out', 'mixed', 'nodes', 'cp-1', 'user-data'))).toBe(true);
    const bad = kspray(['render', '-f', exampleFile('mixed'), '--out', 'out', '--ignition-url-base', 'ftp://x/y'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('error[ignition-config-url]');
  });

  it('refuses a Flatcar control plane over the EC2 16 KiB limit at its spec line, naming the pointer way out', () => {
    const dir = tmp();
    const spec = readFileSync(exampleFile('flatcar-ha'), 'utf8').replace(/^ {4}configUrlBase: .*\n/m, '');
    writeFileSync(join(dir, 'cluster.yaml'), spec);
    const r = kspray(['render', '-f', 'cluster.yaml', '--out', 'out'], dir);
    expect(r.code).toBe(2);
    const line = spec.split('\n').findIndex((l) => l.includes('name: cp-1')) + 1;
    expect(r.err).toContain(`cluster.yaml:${line}:`);
    expect(r.err).toMatch(/16 KiB/);
    expect(r.err).toContain('configUrlBase');
    expect(existsSync(join(dir, 'out', 'flatcar-ha', 'nodes'))).toBe(false);
    // The way out works: the same spec with --ignition-url-base renders, every pointer tiny.
    const ok = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--ignition-url-base', 's3://bucket/ign'], dir);
    expect(ok.code, ok.err).toBe(0);
  });
});
