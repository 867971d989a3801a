// Rules for spec.containerRuntime: versions from the catalog, cri-o matched to the kubernetes
// minor (Kubespray's crio_version), operating systems a runtime can run on, registry mirrors.
import type { Problem, SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { defaultKubernetesVersion, kubernetesVersions, minorOf, type Arch } from '../catalog/catalog.js';
import { containerdVersions, crioVersionFor, crioVersions, nearbyVersions } from '../catalog/runtime.js';
import { bootsCgroupV1, type ClusterSpec } from '../api/v1alpha1/types.js';
import { DEFAULTS } from './defaults.js';
import type { Rule } from './rule.js';

const RUNTIME: SpecPath = ['spec', 'containerRuntime'];

interface Machine {
  name: string;
  os: string;
  arch: Arch;
  path: SpecPath;
}

function machines(spec: ClusterSpec): Machine[] {
  const s = spec.spec;
  const one = (n: { name: string; os?: string; arch?: Arch }, path: SpecPath): Machine => ({
    name: n.name,
    os: n.os ?? DEFAULTS.node.os,
    arch: n.arch ?? DEFAULTS.node.arch,
    path,
  });
  return [...(s.nodes ?? []).map((n, i) => one(n, ['spec', 'nodes', i])), ...(s.pools ?? []).map((p, i) => one(p, ['spec', 'pools', i]))];
}

const runtimeName = (spec: ClusterSpec) => spec.spec.containerRuntime?.name ?? DEFAULTS.containerRuntime.name;

/** The kubernetes version, or undefined when it is not in the catalog (known-kubernetes-version reports that). */
function kubernetesOf(spec: ClusterSpec): string | undefined {
  const v = spec.spec.kubernetes?.version ?? defaultKubernetesVersion();
  return kubernetesVersions().includes(v) ? v : undefined;
}

export const runtimeRules: Rule[] = [
  {
    name: 'runtime-version',
    check: (spec) => {
      const v = spec.spec.containerRuntime?.version;
      if (v === undefined) return [];
      const name = runtimeName(spec);
      const archs = [...new Set(machines(spec).map((m) => m.arch))].sort();
      const missing = archs.find((a) => !(name === 'cri-o' ? crioVersions(a) : containerdVersions(a)).includes(v));
      if (!missing) return [];
      const known = name === 'cri-o' ? crioVersions(missing) : containerdVersions(missing);
      return [{ ...messages.unknownRuntimeVersion(name, v, missing, nearbyVersions(v, known)), path: [...RUNTIME, 'version'] }];
    },
  },
  {
    name: 'crio-matches-kubernetes',
    check: (spec) => {
      const runtime = spec.spec.containerRuntime;
      if (runtime?.name !== 'cri-o') return []; // cri-o is never the default
      const kubernetes = kubernetesOf(spec);
      if (!kubernetes) return [];
      const pinned = runtime.version;
      if (pinned !== undefined) {
        if (!crioVersions('amd64').includes(pinned) || minorOf(pinned) === minorOf(kubernetes)) return [];
        const same = crioVersions('amd64').filter((c) => minorOf(c) === minorOf(kubernetes));
        return [{ ...messages.crioMinorMismatch(pinned, kubernetes, same.slice(0, 6)), path: [...RUNTIME, 'version'] }];
      }
      if (crioVersionFor(kubernetes)) return [];
      const minors = [...new Set(crioVersions('amd64').map(minorOf))];
      const path: SpecPath = spec.spec.kubernetes?.version ? ['spec', 'kubernetes', 'version'] : [...RUNTIME, 'name'];
      return [{ ...messages.noCrioForMinor(kubernetes, minors), path }];
    },
  },
  {
    name: 'runtime-os',
    // cri-o comes from its static bundle into /usr/local, which neither Ignition OS allows for it
    // (Flatcar: read-only /usr, its own containerd; FCOS: SELinux labels the bundle's installer sets).
    // A pinned containerd cannot apply to Flatcar, whose containerd is part of the OS image.
    check: (spec) => {
      const name = runtimeName(spec);
      if (name === 'cri-o') {
        // A cgroup v1 OS (openEuler): CRI-O's upstream stopped testing cgroup v1 (kubernetes/test-infra
        // #35571) and Kubespray supports openEuler with containerd only (docs/operating_systems/openeuler.md).
        return [
          ...machines(spec)
            .filter((m) => m.os === 'flatcar' || m.os === 'fedora-coreos')
            .map((m) => ({ ...messages.crioOnImmutableOs(m.os), path: [...m.path, 'os'] })), // never the default os
          ...machines(spec)
            .filter((m) => bootsCgroupV1(m.os))
            .map((m) => ({ ...messages.crioOnCgroupV1(m.os), path: [...m.path, 'os'] })),
        ];
      }
      if (spec.spec.containerRuntime?.version === undefined) return [];
      const flatcar = machines(spec).find((m) => m.os === 'flatcar');
      return flatcar ? [{ ...messages.pinnedContainerdOnFlatcar(flatcar.name), path: [...RUNTIME, 'version'] }] : [];
    },
  },
  {
    name: 'registry-mirrors',
    check: (spec) => {
      const out: Problem[] = [];
      const seen = new Set<string>();
      spec.spec.containerRuntime?.registryMirrors?.forEach((m, i) => {
        const path: SpecPath = [...RUNTIME, 'registryMirrors', i, 'host'];
        if (seen.has(m.host)) out.push({ ...messages.duplicateMirrorHost(m.host), path });
        seen.add(m.host);
        if (m.host !== '_default') return;
        if (runtimeName(spec) === 'cri-o') out.push({ ...messages.defaultMirrorWithCrio(), path });
        else if (spec.spec.artifacts?.registry) out.push({ ...messages.defaultMirrorWithRegistry(), path });
      });
      return out;
    },
  },
];
