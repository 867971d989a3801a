// Upgrade skew rules as a table of (from, to) pairs, and the order of the plan.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { compileSpec } from '../../src/compileSpec.js';
import { kubernetesVersions, minorOf } from '../../src/catalog/catalog.js';
import { KsprayError } from '../../src/errors/errors.js';
import { allowedTargets, checkUpgrade, formatUpgradePlan, planUpgrade, upgradePath, DRAIN_FLAGS } from '../../src/lifecycle/upgrade.js';
import { exampleFile } from '../helpers/fixtures.js';

/** A fixed catalog, so the table does not move when data/kubespray/ is refreshed. */
const CATALOG = ['1.36.4', '1.36.0', '1.35.8', '1.35.4', '1.35.0', '1.34.11', '1.34.3', '1.33.5', '1.32.9'];

describe('checkUpgrade: (from, to) pairs', () => {
  const accepted: Array<[string, string, string]> = [
    ['1.35.4', '1.35.8', 'patch upgrade'],
    ['1.35.0', '1.35.4', 'patch upgrade, not the newest patch'],
    ['1.35.8', '1.36.0', 'next minor, older patch'],
    ['1.35.4', '1.36.4', 'next minor'],
    ['1.34.3', '1.35.8', 'next minor from an old patch'],
    ['1.32.9', '1.33.5', 'next minor at the low end'],
  ];
  it.each(accepted)('%s → %s is accepted (%s)', (from, to) => {
    expect(checkUpgrade(from, to, CATALOG)).toEqual([]);
  });

  const refused: Array<[string, string, string, RegExp]> = [
    ['1.34.11', '1.36.4', 'upgrade-skipped-minor', /Upgrade in steps: 1\.34\.11 → 1\.35\.8 → 1\.36\.4/],
    ['1.32.9', '1.35.4', 'upgrade-skipped-minor', /1\.32\.9 → 1\.33\.5 → 1\.34\.11 → 1\.35\.4/],
    ['1.35.4', '1.35.4', 'upgrade-same-version', /you can go to: 1\.36\.4, 1\.36\.0, 1\.35\.8/],
    ['1.36.4', '1.35.8', 'upgrade-no-downgrade', /newest version/],
    ['1.35.8', '1.35.4', 'upgrade-no-downgrade', /1\.36\.4, 1\.36\.0/],
    ['1.35.4', '1.35.99', 'upgrade-known-version', /1\.36\.4, 1\.36\.0, 1\.35\.8/],
    ['1.35.4', '1.37.0', 'upgrade-known-version', /Use one of/],
    ['1.35.4', 'latest', 'upgrade-version-format', /you can go to/],
    ['1.35.4', '2.0.0', 'upgrade-known-version', /Use one of/],
  ];
  it.each(refused)('%s → %s is refused: %s', (from, to, rule, hint) => {
    const problems = checkUpgrade(from, to, CATALOG);
    expect(problems.map((p) => p.rule)).toEqual([rule]);
    expect(problems[0]!.hint).toMatch(hint);
  });

  it('accepts a leading v in --to', () => {
    expect(checkUpgrade('1.35.4', 'v1.36.4', CATALOG)).toEqual([]);
  });
});

describe('checkUpgrade: kubelet skew (kubelet ≤ apiserver, at most 3 minors older)', () => {
  const table: Array<[string, string, string | undefined]> = [
    ['1.35.8', '1.35.8', undefined],
    ['1.35.4', '1.36.4', undefined], // ordinary case: workers one minor behind during the upgrade
    ['1.33.5', '1.36.4', undefined], // exactly 3 minors older: allowed
    ['1.32.9', '1.36.4', 'kubelet-skew'], // 4 minors older
    ['1.36.4', '1.36.0', 'kubelet-not-newer-than-apiserver'],
  ];
  it.each(table)('kubelet %s with apiserver going to %s → %s', (kubelet, to, rule) => {
    const from = to === '1.36.0' ? '1.35.8' : '1.35.4';
    const problems = checkUpgrade(from, to, CATALOG, { 'worker-1': kubelet });
    expect(problems.map((p) => p.rule)).toEqual(rule ? [rule] : []);
    if (rule) expect(problems[0]!.message).toContain('worker-1');
  });

  it('names the oldest allowed kubelet in the hint', () => {
    const [p] = checkUpgrade('1.35.4', '1.36.4', CATALOG, { old: '1.31.2' });
    expect(p!.hint).toContain('at least 1.33');
  });

  it('reports a skipped minor and every bad kubelet together', () => {
    const problems = checkUpgrade('1.34.3', '1.36.4', CATALOG, { a: '1.32.1', b: 'x' });
    expect(problems.map((p) => p.rule)).toEqual(['upgrade-skipped-minor', 'kubelet-skew', 'kubelet-version-format']);
  });
});

describe('upgrade paths', () => {
  it('go through the newest patch of every minor in between', () => {
    expect(upgradePath('1.33.5', '1.36.0', CATALOG)).toEqual(['1.34.11', '1.35.8', '1.36.0']);
    expect(upgradePath('1.35.4', '1.35.8', CATALOG)).toEqual(['1.35.8']);
    expect(allowedTargets('1.35.8', CATALOG)).toEqual(['1.36.4', '1.36.0']);
  });
});

describe('planUpgrade with Cilium replacing kube-proxy', () => {
  it('shows kubeadm skipping the kube-proxy addon on every node (kubeadm >= 1.32 would re-deploy it)', () => {
    const catalog = kubernetesVersions();
    const spec = readFileSync(exampleFile('ubuntu-containerd-cilium-kpr'), 'utf8').replace(
      '  pools:\n',
      '    - { name: worker-1, address: 10.0.0.21, roles: [worker], os: ubuntu-24.04 }\n  pools:\n',
    );
    const model = compileSpec(spec, 'cluster.yaml');
    const to = catalog.find((v) => v !== model.kubernetes.version && minorOf(v) === minorOf(model.kubernetes.version)) ?? catalog[0]!;
    const cmds = planUpgrade(model, to, catalog).steps.flatMap((s) => s.actions.map((a) => a.command)).filter((c) => c.startsWith('kubeadm upgrade'));
    expect(cmds.length).toBeGreaterThan(1);
    for (const c of cmds) expect(c).toMatch(/ --skip-phases=addon\/kube-proxy$/);
  });
});

describe('planUpgrade on the HA example', () => {
  // From the newest patch of the second-newest catalog minor to the newest version.
  const catalog = kubernetesVersions();
  const to = catalog[0]!;
  const from = catalog.find((v) => minorOf(v) !== minorOf(to))!;
  const spec = readFileSync(exampleFile('ha'), 'utf8').replace(/version: "[^"]+"/, `version: "${from}"`);
  const model = compileSpec(spec, 'cluster.yaml');
  const plan = planUpgrade(model, to, catalog);

  it('upgrades control planes one at a time, the first with kubeadm upgrade apply, others with upgrade node', () => {
    expect(plan.kind).toBe('minor');
    const cpSteps = plan.steps.filter((s) => s.phase === 'control-plane');
    expect(cpSteps.map((s) => s.nodes)).toEqual([['cp-1'], ['cp-2'], ['cp-3']]);
    expect(cpSteps[0]!.actions.map((a) => a.command)).toContain(`kubeadm upgrade apply v${to} --yes --certificate-renewal=false`);
    for (const s of cpSteps.slice(1)) {
      expect(s.actions.map((a) => a.command)).toContain('kubeadm upgrade node --certificate-renewal=false');
      expect(s.actions.some((a) => a.command.includes('upgrade apply'))).toBe(false);
    }
  });

  it('then workers in batches of ceil(20%), then pools, each drained before and uncordoned after', () => {
    const phases = plan.steps.map((s) => s.phase);
    expect(phases).toEqual(['preflight', 'control-plane', 'control-plane', 'control-plane', 'workers', 'workers', 'workers', 'pool', 'finish']);
    expect(plan.workerBatchSize).toBe(1); // ceil(3 × 20%)
    const w = plan.steps.find((s) => s.phase === 'workers')!;
    const cmds = w.actions.map((a) => a.command);
    const drainAt = cmds.findIndex((c) => c.startsWith('kubectl drain worker-1'));
    expect(cmds[drainAt]).toContain(DRAIN_FLAGS.join(' '));
    expect(drainAt).toBeLessThan(cmds.findIndex((c) => c.startsWith('kubeadm upgrade node')));
    expect(cmds.at(-1)).toBe('kubectl uncordon worker-1');
    expect(plan.steps.find((s) => s.phase === 'pool')!.title).toContain('pool batch (5 nodes)');
  });

  it('batches 20% of many workers, rounded up', () => {
    const many = spec.replace(
      /    - \{ name: worker-3[^\n]*\n/,
      Array.from({ length: 9 }, (_, i) => `    - { name: w-${i + 3}, address: 10.0.1.${i + 3}, roles: [worker] }\n`).join(''),
    );
    const p = planUpgrade(compileSpec(many, 'cluster.yaml'), to, catalog);
    const batches = p.steps.filter((s) => s.phase === 'workers').map((s) => s.nodes.length);
    expect(p.workerBatchSize).toBe(3); // 11 workers → ceil(2.2)
    expect(batches).toEqual([3, 3, 3, 2]);
  });

  it('refuses with an input error pointing at spec.kubernetes.version', () => {
    let error: unknown;
    try {
      planUpgrade(model, from, catalog);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KsprayError);
    expect((error as KsprayError).kind).toBe('input');
    expect((error as KsprayError).problems[0]).toMatchObject({ rule: 'upgrade-same-version', path: ['spec', 'kubernetes', 'version'] });
  });

  it('prints a readable plan', () => {
    const text = formatUpgradePlan(plan);
    expect(text).toContain(`Upgrade ${from} → ${to} (minor)`);
    expect(text).toMatch(/2\. \[control-plane\] control plane cp-1 \(first: kubeadm upgrade apply\)/);
  });
});
