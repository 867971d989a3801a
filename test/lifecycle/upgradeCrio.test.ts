// cri-o in `kspray upgrade` (lifecycle/upgradeRuntime.ts): cri-o's minor must follow kubernetes'
// (crio-matches-kubernetes), so a minor upgrade of a cri-o cluster adds the target's bundle to each
// architecture's downloads list, the pause image to the Job's env when it changes, a cri-o action to
// every node step of the plan, and refuses when the catalog has no cri-o for the target.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { compileSpec } from '../../src/compileSpec.js';
import { componentVersions, kubernetesVersions, minorOf } from '../../src/catalog/catalog.js';
import { crioVersionFor, crioVersions } from '../../src/catalog/runtime.js';
import { KsprayError } from '../../src/errors/errors.js';
import { formatUpgradePlan, planUpgrade } from '../../src/lifecycle/upgrade.js';
import { upgradeConfigMap, upgradeJob } from '../../src/lifecycle/upgradeJobs.js';
import { crioUpgrade } from '../../src/lifecycle/upgradeRuntime.js';
import { exampleFile } from '../helpers/fixtures.js';

const catalog = kubernetesVersions();
const TO = catalog[0]!;
/** The newest patch of the minor before TO's. */
const FROM = catalog.find((v) => minorOf(v) !== minorOf(TO))!;
// The matrix scenario plus a fixed worker (pools are replaced from payloads, not upgraded in place).
const crioSpec = readFileSync(new URL('../matrix/ubuntu24-crio-calico/cluster.yaml', import.meta.url), 'utf8').replace(
  '  pools:\n',
  '    - { name: worker-1, address: 10.0.0.21, roles: [worker], os: ubuntu-24.04 }\n  pools:\n',
);
const withArm64Worker = (text: string) => text.replace('{ name: worker-1,', '{ name: worker-1, arch: arm64,');
const withVersion = (text: string, v: string) => text.replace(/version: "\d+\.\d+\.\d+"/, `version: "${v}"`);
const crio = (extra = '') => compileSpec(withVersion(crioSpec, FROM).replace('  containerRuntime:\n', `${extra}  containerRuntime:\n`), 'cluster.yaml');
const containerd = compileSpec(withVersion(readFileSync(exampleFile('ha'), 'utf8'), FROM), 'cluster.yaml');

/** The raw catalog entry, read without the code under test. */
const rawSha = (arch: string, version: string): string => {
  const data = JSON.parse(readFileSync(new URL('../../data/kubespray/kubespray.json', import.meta.url), 'utf8'));
  return String(data.checksums.crio_archive_checksums[arch][version]).replace(/^sha256:/, '');
};

const rows = (cm: any, arch: string) => (cm.data[`downloads-${arch}.tsv`] as string).trim().split('\n').map((l) => l.split('\t'));
const kubeletNodes = (m: ReturnType<typeof compileSpec>) => m.nodes.filter((n) => n.isControlPlane || n.roles.includes('worker'));

describe('upgrade of a cri-o cluster', () => {
  const model = crio();
  const target = crioVersionFor(TO)!;

  it('moves cri-o to the version render chooses for the target, of the target minor', () => {
    expect(minorOf(model.containerRuntime.version)).toBe(minorOf(FROM));
    const { change, problems } = crioUpgrade(model, TO);
    expect(problems).toEqual([]);
    expect(change?.from).toBe(model.containerRuntime.version);
    expect(change?.to).toBe(target);
    expect(minorOf(change!.to)).toBe(minorOf(TO));
    // The same choice a render of the target makes.
    expect(compileSpec(withVersion(crioSpec, TO), 'cluster.yaml').containerRuntime.version).toBe(change!.to);
  });

  it('adds the cri-o bundle to every architecture\'s downloads list, with the catalog sha256, mirrored', () => {
    const mirrored = crio('  artifacts: { mirror: "https://files.example.internal/k8s" }\n');
    const cm = parseYaml(upgradeConfigMap(mirrored, TO, kubeletNodes(mirrored), '#!/usr/bin/env bash\n')) as any;
    const list = rows(cm, 'amd64');
    expect(list.map((r) => r[0])).toEqual(['kubeadm', 'kubelet', 'kubectl', 'cri-o']);
    const [, url, sha] = list[3]!;
    expect(url).toBe(`https://files.example.internal/k8s/storage.googleapis.com/cri-o/artifacts/cri-o.amd64.v${target}.tar.gz`);
    expect(sha).toBe(rawSha('amd64', target));
    const plain = parseYaml(upgradeConfigMap(model, TO, kubeletNodes(model), '')) as any;
    expect(rows(plain, 'amd64')[3]![1]).toBe(`https://storage.googleapis.com/cri-o/artifacts/cri-o.amd64.v${target}.tar.gz`);
  });

  it('an arm64 node gets the arm64 bundle', () => {
    const m = compileSpec(withArm64Worker(withVersion(crioSpec, FROM)), 'cluster.yaml');
    const arches = [...new Set(kubeletNodes(m).map((n) => n.arch))].sort();
    expect(arches).toEqual(['amd64', 'arm64']);
    const cm = parseYaml(upgradeConfigMap(m, TO, kubeletNodes(m), '')) as any;
    const line = rows(cm, 'arm64').find((r) => r[0] === 'cri-o')!;
    expect(line[1]).toBe(`https://storage.googleapis.com/cri-o/artifacts/cri-o.arm64.v${target}.tar.gz`);
    expect(line[2]).toBe(rawSha('arm64', target));
    expect(line[2]).not.toBe(rawSha('amd64', target));
  });

  it('gives the Job the target pause image when it changes, honouring artifacts.registry', () => {
    const pauseOf = (v: string) => componentVersions(v).pause;
    expect(pauseOf(TO)).not.toBe(pauseOf(FROM)); // the catalog's pause moves between these minors
    const m = crio('  artifacts: { registry: "registry.example.internal:5000" }\n');
    const env = (parseYaml(upgradeJob(m, kubeletNodes(m)[0]!, TO, 'apply')) as any).spec.template.spec.containers[0].env;
    expect(env).toEqual([{ name: 'KSPRAY_UPGRADE_PAUSE_IMAGE', value: `registry.example.internal:5000/pause:${pauseOf(TO)}` }]);
    expect(m.images.pause).toBe(`registry.example.internal:5000/pause:${pauseOf(FROM)}`);
  });

  it('puts a cri-o action after kubeadm and before kubelet in every node step, and says so in --plan', () => {
    const plan = planUpgrade(model, TO, catalog);
    expect(plan.crioChange).toMatchObject({ from: model.containerRuntime.version, to: target });
    const nodeSteps = plan.steps.filter((s) => s.phase === 'control-plane' || s.phase === 'workers');
    expect(nodeSteps.length).toBeGreaterThan(1);
    for (const s of nodeSteps) {
      const cmds = s.actions.map((a) => a.command);
      const at = cmds.findIndex((c) => c.startsWith(`install cri-o ${target} `));
      expect(at, s.title).toBeGreaterThan(cmds.findIndex((c) => c.startsWith('kubeadm upgrade')));
      expect(at).toBeLessThan(cmds.findIndex((c) => c.startsWith('install kubelet')));
      expect(cmds[at]).toContain(`pause_image = "registry.k8s.io/pause:${componentVersions(TO).pause}"`);
      expect(cmds[at]).toMatch(/systemctl restart crio$/);
    }
    const text = formatUpgradePlan(plan);
    expect(text).toContain(`Container runtime: cri-o ${model.containerRuntime.version} → ${target}`);
    expect(text).toContain(`a pinned spec.containerRuntime.version becomes "${target}"`);
  });

  it('a patch upgrade that keeps the cri-o version changes nothing for cri-o', () => {
    const patches = catalog.filter((v) => minorOf(v) === minorOf(TO));
    const older = patches[patches.length - 1]!;
    expect(crioVersionFor(older)).toBe(target); // same minor, same cri-o choice
    const m = compileSpec(withVersion(crioSpec, older), 'cluster.yaml');
    expect(crioUpgrade(m, TO)).toEqual({ problems: [] });
    const cm = parseYaml(upgradeConfigMap(m, TO, kubeletNodes(m), '')) as any;
    expect(rows(cm, 'amd64').map((r) => r[0])).toEqual(['kubeadm', 'kubelet', 'kubectl']);
    expect((parseYaml(upgradeJob(m, kubeletNodes(m)[0]!, TO, 'apply')) as any).spec.template.spec.containers[0].env).toBeUndefined();
    expect(formatUpgradePlan(planUpgrade(m, TO, catalog))).not.toContain('cri-o');
  });

  it('refuses when the catalog has no cri-o for the target minor, or not for an architecture', () => {
    const noTargetMinor = (arch: string) => crioVersions(arch as 'amd64').filter((v) => minorOf(v) !== minorOf(TO));
    let err: unknown;
    try {
      planUpgrade(model, TO, catalog, {}, noTargetMinor);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KsprayError);
    const p = (err as KsprayError).problems[0]!;
    expect(p.rule).toBe('upgrade-crio-available');
    expect(p.message).toContain(`no cri-o for kubernetes ${TO} on amd64`);
    expect(p.message).toContain(`runs cri-o ${model.containerRuntime.version}`);
    expect(p.hint).toContain(minorOf(FROM));
    expect(p.hint).not.toContain(minorOf(TO));
    expect(p.path).toEqual(['spec', 'kubernetes', 'version']);
    // Only arm64 lacks it: still refused, naming arm64 (the cluster has no arm64 node: allowed).
    const arm = compileSpec(withArm64Worker(withVersion(crioSpec, FROM)), 'cluster.yaml');
    const armless = (arch: string) => (arch === 'arm64' ? noTargetMinor(arch) : crioVersions(arch as 'amd64'));
    expect(() => planUpgrade(arm, TO, catalog, {}, armless)).toThrow(KsprayError);
    expect(crioUpgrade(arm, TO, armless).problems[0]?.message).toContain('on arm64');
    expect(crioUpgrade(model, TO, armless).problems).toEqual([]);
    // A containerd cluster does not care.
    expect(() => planUpgrade(containerd, TO, catalog, {}, noTargetMinor)).not.toThrow();
  });
});

describe('upgrade of a containerd cluster', () => {
  it('has no cri-o line, no Job env and no cri-o step', () => {
    expect(containerd.kubernetes.version).toBe(FROM);
    const to = TO;
    const cm = parseYaml(upgradeConfigMap(containerd, to, kubeletNodes(containerd), '')) as any;
    for (const key of Object.keys(cm.data).filter((k) => k.startsWith('downloads-'))) expect(cm.data[key]).not.toContain('cri-o');
    expect((parseYaml(upgradeJob(containerd, kubeletNodes(containerd)[0]!, to, 'apply')) as any).spec.template.spec.containers[0].env).toBeUndefined();
    expect(crioUpgrade(containerd, to)).toEqual({ problems: [] });
  });
});
