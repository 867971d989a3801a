// Every containerd config kspray generates, read by a real consumer. Config version 2 (containerd
// 1.7, Flatcar) goes through Debian 12's containerd 1.6 (.ci/run installs it; the daemon need not
// run): `containerd --config F config dump` must accept the file, and the merged config it prints
// must hold our settings. That check matters because containerd ignores keys in the wrong table:
// a misplaced key is accepted and silently left at its default.
// Config version 3 (containerd 2.x) is newer than any containerd Debian 12 has (1.6 does not read
// it), so those files are parsed as TOML (python3's tomllib) and checked structurally instead.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runsKubernetes, type ClusterModel } from '../../src/model/model.js';
import { toModel } from '../../src/model/toModel.js';
import { containerdBuilder } from '../../src/plan/builders/containerd.js';
import { newPlan } from '../../src/plan/nodePlan.js';
import { osProfile } from '../../src/plan/osProfile.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import { loadSpec } from '../../src/api/loadSpec.js';
import { SCENARIOS, loadExample } from '../helpers/fixtures.js';
import { parseToml } from '../helpers/toml.js';
import { haveTool, tool } from '../helpers/validators.js';

const CONTAINERD = () => tool('containerd');
const CERTS_D = '/etc/containerd/certs.d';
const dir = mkdtempSync(join(tmpdir(), 'kspray-containerd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Generated {
  label: string;
  files: Map<string, string>;
  pause: string;
  runc: string;
}

/** The containerd builder's files for every kubelet node of a model. */
function generated(label: string, m: ClusterModel): Generated[] {
  if (m.containerRuntime.name !== 'containerd') return [];
  return m.nodes.filter(runsKubernetes).map((node) => {
    const plan = newPlan(node);
    containerdBuilder.build({ model: m, node, pki: {} as IssuedPki, plan });
    return { label: `${label}/${node.name}`, files: new Map([...plan.files].map(([p, f]) => [p, f.content])), pause: m.images.pause, runc: osProfile(node.os).runc };
  });
}

function spec(extra: string): ClusterModel {
  const text = `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata: { name: demo }
spec:
${extra}  nodes:
    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: debian-12 }
  pools:
    - { name: workers, roles: [worker], os: ubuntu-22.04, arch: arm64 }
    - { name: flatcar, roles: [worker], os: flatcar }
`;
  return toModel(loadSpec(text, 'cluster.yaml').spec, 'cluster.yaml');
}

const MIRRORS = `    registryMirrors:
      - { host: docker.io, endpoints: ["https://mirror.internal"] }
      - { host: "registry.internal:5000", endpoints: ["http://registry.internal:5000"], skipVerify: true }
`;
// Flatcar's containerd cannot be pinned (rule runtime-os), so the pinned variants have no Flatcar pool.
function pinned(extra: string): ClusterModel {
  return toModel(
    loadSpec(
      `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata: { name: demo }
spec:
  containerRuntime:
    version: "1.7.28"
${extra}  nodes:
    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: debian-12 }
  pools:
    - { name: workers, roles: [worker], os: ubuntu-22.04, arch: arm64 }
`,
      'cluster.yaml',
    ).spec,
    'cluster.yaml',
  );
}

const ALL: Generated[] = [
  ...SCENARIOS.flatMap((s) => generated(s, loadExample(s))),
  ...generated('pinned-1.7', pinned('')),
  ...generated('pinned-1.7+mirrors', pinned(MIRRORS)),
  ...generated('pinned-1.7+registry', pinned('  artifacts: { registry: "registry.internal:5000" }\n')),
  ...generated('default+mirrors+flatcar', spec(`  containerRuntime:\n${MIRRORS}`)),
];
const configVersion = (g: Generated) => parseToml(g.files.get('/etc/containerd/config.toml')!).version as number;
const V2 = ALL.filter((g) => configVersion(g) === 2);
const V3 = ALL.filter((g) => configVersion(g) === 3);

/** `containerd --config F config dump`: the merged config containerd would run with. */
function dump(config: string): { ok: boolean; output: string } {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, config);
  const r = spawnSync(CONTAINERD(), ['--config', file, 'config', 'dump'], { encoding: 'utf8' });
  return { ok: r.status === 0, output: r.status === 0 ? r.stdout : `${r.stdout}${r.stderr}` };
}

/** What is wrong with the settings containerd actually loaded (its dump), compared with ours. */
function dumpProblems(dumped: string, want: { pause: string; runc: string }): string[] {
  const cri = parseToml(dumped).plugins?.['io.containerd.grpc.v1.cri'] ?? {};
  const runc = cri.containerd?.runtimes?.runc ?? {};
  const problems: string[] = [];
  const check = (what: string, got: unknown, expected: unknown) => {
    if (got !== expected) problems.push(`${what}: ${JSON.stringify(got)} (want ${JSON.stringify(expected)})`);
  };
  check('sandbox_image', cri.sandbox_image, want.pause);
  check('registry.config_path', cri.registry?.config_path, CERTS_D);
  check('default_runtime_name', cri.containerd?.default_runtime_name, 'runc');
  check('snapshotter', cri.containerd?.snapshotter, 'overlayfs');
  check('runc.runtime_type', runc.runtime_type, 'io.containerd.runc.v2');
  check('runc.options.SystemdCgroup', runc.options?.SystemdCgroup, true);
  check('runc.options.BinaryName', runc.options?.BinaryName, want.runc);
  check('cni.bin_dir', cri.cni?.bin_dir, '/opt/cni/bin');
  return problems;
}

describe('containerd config version 2, through Debian\'s containerd (config dump)', () => {
  it('covers pinned 1.7 (with and without mirrors) and Flatcar configs', () => {
    const labels = V2.map((g) => g.label);
    expect(labels).toEqual(expect.arrayContaining(['pinned-1.7/cp-1', 'pinned-1.7+mirrors/workers', 'default+mirrors+flatcar/flatcar', 'flatcar-ha/cp-1']));
    expect(V3.map((g) => g.label)).toEqual(expect.arrayContaining(['default+mirrors+flatcar/cp-1', 'single/cp-1']));
  });

  it.runIf(haveTool('containerd')).each(V2.map((g) => [g.label, g] as const))('%s: accepted, and the dump shows our settings', (_, g) => {
    const r = dump(g.files.get('/etc/containerd/config.toml')!);
    expect(r.output, 'containerd refused the config').not.toMatch(/failed to load/);
    expect(r.ok).toBe(true);
    expect(dumpProblems(r.output, g)).toEqual([]);
  });

  it.runIf(haveTool('containerd'))('rejects a broken config, and the dump check catches keys containerd silently ignored', () => {
    const g = V2.find((x) => x.label === 'pinned-1.7/cp-1')!;
    const good = g.files.get('/etc/containerd/config.toml')!;
    // A TOML syntax error: containerd refuses to start on it.
    const broken = dump(good.replace('[plugins."io.containerd.grpc.v1.cri".registry]', '[plugins."io.containerd.grpc.v1.cri".registry'));
    expect(broken.ok).toBe(false);
    expect(broken.output).toMatch(/failed to load TOML/);
    // The version 3 layout under version = 2: accepted, but none of our settings apply.
    const v3Keys = V3[0]!.files.get('/etc/containerd/config.toml')!.replace('version = 3', 'version = 2');
    const ignored = dump(v3Keys);
    expect(ignored.ok).toBe(true);
    expect(dumpProblems(ignored.output, g)).toEqual(expect.arrayContaining([expect.stringMatching(/^sandbox_image/), expect.stringMatching(/^runc.options.SystemdCgroup/)]));
    // SystemdCgroup one table too high (on the runtime, not its options): accepted, silently not applied.
    const moved = good
      .replace('  SystemdCgroup = true\n', '')
      .replace("  runtime_type = 'io.containerd.runc.v2'\n", "  runtime_type = 'io.containerd.runc.v2'\n  SystemdCgroup = true\n");
    expect(moved).not.toBe(good);
    const misplaced = dump(moved);
    expect(misplaced.ok).toBe(true);
    expect(dumpProblems(misplaced.output, g)).toEqual(['runc.options.SystemdCgroup: undefined (want true)']);
  });
});

describe('containerd config version 3 (containerd 2.x: parsed as TOML, checked structurally)', () => {
  it.each(V3.map((g) => [g.label, g] as const))('%s', (_, g) => {
    const t = parseToml(g.files.get('/etc/containerd/config.toml')!);
    expect(t.version).toBe(3);
    const images = t.plugins['io.containerd.cri.v1.images'];
    const runc = t.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.runc;
    expect(images.pinned_images.sandbox).toBe(g.pause);
    expect(images.registry.config_path).toBe(CERTS_D);
    expect(runc.runtime_type).toBe('io.containerd.runc.v2');
    expect(runc.options).toEqual({ SystemdCgroup: true, BinaryName: g.runc });
    // No version 2 table survives in a version 3 file (containerd 2.x would ignore it).
    expect(Object.keys(t.plugins).sort()).toEqual(['io.containerd.cri.v1.images', 'io.containerd.cri.v1.runtime']);
  });
});

describe('hosts.toml (registry mirrors, artifacts.registry)', () => {
  const hosts = ALL.flatMap((g) => [...g.files].filter(([p]) => p.startsWith(`${CERTS_D}/`)).map(([p, text]) => [`${g.label}${p.slice(CERTS_D.length)}`, text] as const));

  it('some are generated', () => {
    expect(hosts.map(([l]) => l)).toEqual(expect.arrayContaining(['pinned-1.7+mirrors/cp-1/docker.io/hosts.toml', 'pinned-1.7+registry/cp-1/_default/hosts.toml']));
  });

  it.each(hosts)('%s: every host entry can pull and resolve', (_, text) => {
    const t = parseToml(text);
    const entries = Object.entries(t.host ?? {}) as Array<[string, any]>;
    expect(entries.length).toBeGreaterThan(0);
    for (const [url, h] of entries) {
      expect(url).toMatch(/^https?:\/\/[^/]+/);
      expect(h.capabilities).toEqual(['pull', 'resolve']);
    }
    if (t.server !== undefined) expect(t.server).toMatch(/^https:\/\//);
  });
});
