// Kubespray's CI inventories, built the way its CI builds them: the hosts of the scenario's `mode`
// (tests/cloud_playbooks/roles/packet-ci/vars/main.yml, or the scenario's own cluster_layout), the
// group vars of tests/common_vars.yml, then the scenario file (extra vars in CI: it wins). The keys
// that belong to the CI harness (cloud_image, mode, vm_*, cluster_layout) are not Kubespray's.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { repoRoot } from './fixtures.js';

export const upstreamDir = join(repoRoot, 'test', 'fixtures', 'kubespray-upstream');
const HARNESS = /^(cloud_image|mode|vm_.*|cluster_layout)$/;

export interface CiScenario {
  name: string;
  cloudImage?: string;
  mode: string;
  files: Map<string, string>;
  /** The scenario's own Kubespray variables (harness keys removed). */
  vars: Record<string, unknown>;
  layout: string[][];
}

export function ciScenarioNames(): string[] {
  return readdirSync(join(upstreamDir, 'tests', 'files'))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => f.replace(/\.yml$/, ''))
    .sort();
}

export function ciScenario(name: string): CiScenario {
  const raw = (parseYaml(readFileSync(join(upstreamDir, 'tests', 'files', `${name}.yml`), 'utf8')) ?? {}) as Record<string, unknown>;
  const layouts = (parseYaml(readFileSync(join(upstreamDir, 'tests', 'cloud_playbooks', 'roles', 'packet-ci', 'vars', 'main.yml'), 'utf8')) as { scenarios: Record<string, Array<{ node_groups: string[] }>> }).scenarios;
  const mode = String(raw.mode ?? 'default');
  const layout = ((raw.cluster_layout as Array<{ node_groups: string[] }> | undefined) ?? layouts[mode]!).map((h) => h.node_groups);
  const vars = Object.fromEntries(Object.entries(raw).filter(([k]) => !HARNESS.test(k)));
  return { name, cloudImage: raw.cloud_image as string | undefined, mode, layout, vars, files: ciInventory(layout, vars) };
}

/** hosts.yaml with instance-N hosts in their groups, common_vars under all, the scenario over it. */
export function ciInventory(layout: string[][], vars: Record<string, unknown>): Map<string, string> {
  const groups: Record<string, { hosts: Record<string, null> }> = {};
  // ip6 stands in for the IPv6 address Kubespray reads from each host's facts (its CI VMs have one).
  const hosts: Record<string, { ip: string; ip6: string }> = {};
  layout.forEach((nodeGroups, i) => {
    const host = `instance-${i + 1}`;
    hosts[host] = { ip: `10.0.0.${11 + i}`, ip6: `fd00:10::${11 + i}` };
    for (const g of nodeGroups) (groups[g] ??= { hosts: {} }).hosts[host] = null;
  });
  const k8sChildren = Object.fromEntries(['kube_control_plane', 'kube_node'].filter((g) => groups[g]).map((g) => [g, null]));
  const inventory = { all: { hosts, children: { ...groups, k8s_cluster: { children: k8sChildren } } } };
  return new Map([
    ['hosts.yaml', stringify(inventory)],
    ['group_vars/all/common_vars.yml', readFileSync(join(upstreamDir, 'tests', 'common_vars.yml'), 'utf8')],
    ['group_vars/k8s_cluster/scenario.yml', stringify(vars)],
  ]);
}

/** Kubespray CI's cloud_image → the kspray os closest to it, when kspray builds that OS. */
export function osOfCloudImage(image: string | undefined): string | undefined {
  const map: Record<string, string> = {
    'ubuntu-2204': 'ubuntu-22.04',
    'ubuntu-2404': 'ubuntu-24.04',
    'ubuntu-2604': 'ubuntu-26.04',
    'debian-12': 'debian-12',
    'debian-13': 'debian-13',
    'almalinux-9': 'almalinux-9',
    'rockylinux-9': 'rocky-9',
    // Kubespray's CI image is Rocky 10 with kernel-modules-extra added (docs/operating_systems/rhel.md);
    // kspray's rocky-10 installs that package itself.
    'rockylinux-10-extra': 'rocky-10',
    'rockylinux-10': 'rocky-10',
    'almalinux-10': 'almalinux-10',
    'fedora-42': 'fedora-42',
    'fedora-43': 'fedora-43',
    'openeuler-2403': 'openeuler-24.03',
    'flatcar-4081': 'flatcar',
  };
  return image ? map[image] : undefined;
}
