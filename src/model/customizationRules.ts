// Named rules for the customization fields (issue #12), on the spec as written so every problem
// points at the user's line: upstream config fields, flags and sysctls kspray sets itself, file
// paths, kubeadm patch shapes.
import { isIP } from 'node:net';
import { formatSpecPath, type Problem, type SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { ClusterSpec, NodeSpec, PoolSpec } from '../api/v1alpha1/types.js';
import type { Rule } from './rule.js';
import { checkComponentConfig } from './componentConfig.js';
import { reservedArgReason, type Component } from './reservedArgs.js';
import { KSPRAY_SYSCTLS } from './kernelSettings.js';
import { effectiveFiles } from './customization.js';

/** Directories that hold private keys on control planes (kubeadm's PKI, external etcd's). */
export const KEY_DIRS = ['/etc/kubernetes/pki', '/etc/etcd/pki'];
export const keyDirOf = (path: string): string | undefined => KEY_DIRS.find((d) => path === d || path.startsWith(`${d}/`));

/** Volumes kspray mounts into the apiserver itself (builders/kubeadm.ts); user volumes must not reuse the names. */
export const APISERVER_VOLUMES = ['encryption-config', 'audit-policy', 'audit-log', 'admission-config'];

const IGNITION = new Set(['flatcar', 'fedora-coreos']);
const DNS_NAME = /^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/;

/**
 * Files kubeadm writes on the node at init/join, which a spec file would clobber or make kubeadm
 * refuse (its preflight wants an empty manifests directory), with the field to use instead.
 */
const KUBEADM_WRITES: Array<[RegExp, string]> = [
  [/^\/etc\/kubernetes\/(admin|super-admin|kubelet|controller-manager|scheduler|bootstrap-kubelet)\.conf$/, 'kubeadm writes this kubeconfig from the cluster PKI'],
  [/^\/etc\/kubernetes\/manifests\//, "kubeadm writes the control-plane static pods here and its preflight refuses a directory it did not fill; use spec.patches to change them"],
  [/^\/var\/lib\/kubelet\/(config\.yaml|kubeadm-flags\.env)$/, 'kubeadm writes it from spec.kubelet (config, extraArgs)'],
];

interface Owner {
  own: NodeSpec | PoolSpec;
  path: SpecPath;
  /** Control planes and etcd members receive key material; the others never do. */
  holdsKeys: boolean;
  name: string;
}

const holdsKeys = (roles: string[]) => roles.includes('control-plane') || roles.includes('etcd');
const owners = (spec: ClusterSpec): Owner[] => [
  ...(spec.spec.nodes ?? []).map((n, i) => ({ own: n, path: ['spec', 'nodes', i] as SpecPath, holdsKeys: holdsKeys(n.roles), name: n.name })),
  ...(spec.spec.pools ?? []).map((p, i) => ({ own: p, path: ['spec', 'pools', i] as SpecPath, holdsKeys: holdsKeys(p.roles), name: p.name })),
];

function reservedArgs(component: Component, args: Record<string, string> | undefined, at: SpecPath, extra: Record<string, string> = {}): Problem[] {
  return Object.keys(args ?? {}).flatMap((flag) => {
    if (flag.startsWith('-')) return [{ ...messages.extraArgWithDashes(flag), path: [...at, flag], atKey: true }];
    const reason = extra[flag] ?? reservedArgReason(component, flag);
    return reason === undefined ? [] : [{ ...messages.reservedExtraArg(component, flag, reason), path: [...at, flag], atKey: true }];
  });
}

function volumeNames(volumes: Array<{ name: string }> | undefined, at: SpecPath, builtIn: string[]): Problem[] {
  const seen = new Map<string, string>(builtIn.map((n) => [n, 'kspray']));
  const out: Problem[] = [];
  // Stryker disable next-line ArrayDeclaration: one stray element has no name to clash with
  (volumes ?? []).forEach((v, i) => {
    const first = seen.get(v.name);
    if (first) out.push({ ...messages.duplicateExtraVolume(v.name, first), path: [...at, i, 'name'] });
    else seen.set(v.name, formatSpecPath([...at, i]));
  });
  return out;
}

function documentKind(doc: Record<string, unknown> | undefined, at: SpecPath, apiVersion: string, kind: string): Problem[] {
  if (!doc || (doc.apiVersion === apiVersion && doc.kind === kind)) return [];
  return [{ ...messages.configDocumentKind(formatSpecPath(at), apiVersion, kind), path: at }];
}

export const customizationRules: Rule[] = [
  {
    name: 'component-config',
    check: (spec) => {
      const s = spec.spec;
      // MetalLB needs strictARP with ipvs, so kspray sets it (builders/kubeadm.ts).
      const proxyReserved: Record<string, string> = s.addons?.metallb
        ? { 'ipvs.strictARP': 'spec.addons.metallb needs it on with ipvs (kspray turns it on)' }
        : {};
      return [
        ...(s.kubelet?.config ? checkComponentConfig('kubelet', s.kubelet.config, ['spec', 'kubelet', 'config']) : []),
        ...(s.kubeProxy?.config ? checkComponentConfig('kubeProxy', s.kubeProxy.config, ['spec', 'kubeProxy', 'config'], proxyReserved) : []),
        ...owners(spec).flatMap((o) => (o.own.kubelet?.config ? checkComponentConfig('kubelet', o.own.kubelet.config, [...o.path, 'kubelet', 'config']) : [])),
      ];
    },
  },
  {
    name: 'extra-args',
    check: (spec) => {
      const s = spec.spec;
      const cp = s.controlPlane;
      const api = cp?.apiServer;
      const apiExtra: Record<string, string> = api?.auditPolicy
        ? { 'audit-log-path': 'with auditPolicy kspray logs to /var/log/kubernetes/audit/audit.log and mounts that directory' }
        : {};
      // builders/kubeadm.ts moves the flexvolume dir off read-only /usr on Flatcar/FCOS control planes.
      // Stryker disable next-line StringLiteral: any text that is not an Ignition OS name reads the same as ''
      const cmExtra: Record<string, string> = (s.nodes ?? []).some((n) => n.roles.includes('control-plane') && IGNITION.has(n.os ?? ''))
        ? { 'flex-volume-plugin-dir': 'kspray moves it off read-only /usr on Flatcar/Fedora CoreOS control planes' }
        : {};
      return [
        ...reservedArgs('kube-apiserver', api?.extraArgs, ['spec', 'controlPlane', 'apiServer', 'extraArgs'], apiExtra),
        ...reservedArgs('kube-controller-manager', cp?.controllerManager?.extraArgs, ['spec', 'controlPlane', 'controllerManager', 'extraArgs'], cmExtra),
        ...reservedArgs('kube-scheduler', cp?.scheduler?.extraArgs, ['spec', 'controlPlane', 'scheduler', 'extraArgs']),
        ...reservedArgs('etcd', s.etcd?.extraArgs, ['spec', 'etcd', 'extraArgs']),
        ...reservedArgs('kubelet', s.kubelet?.extraArgs, ['spec', 'kubelet', 'extraArgs']),
        ...owners(spec).flatMap((o) => reservedArgs('kubelet', o.own.kubelet?.extraArgs, [...o.path, 'kubelet', 'extraArgs'])),
      ];
    },
  },
  {
    name: 'extra-volume-names',
    check: (spec) => {
      const cp = spec.spec.controlPlane;
      return [
        ...volumeNames(cp?.apiServer?.extraVolumes, ['spec', 'controlPlane', 'apiServer', 'extraVolumes'], APISERVER_VOLUMES),
        ...volumeNames(cp?.controllerManager?.extraVolumes, ['spec', 'controlPlane', 'controllerManager', 'extraVolumes'], []),
        ...volumeNames(cp?.scheduler?.extraVolumes, ['spec', 'controlPlane', 'scheduler', 'extraVolumes'], []),
      ];
    },
  },
  {
    name: 'config-document-kind',
    check: (spec) => {
      const api = spec.spec.controlPlane?.apiServer;
      const at: SpecPath = ['spec', 'controlPlane', 'apiServer'];
      return [
        ...documentKind(api?.auditPolicy, [...at, 'auditPolicy'], 'audit.k8s.io/v1', 'Policy'),
        ...documentKind(api?.admission, [...at, 'admission'], 'apiserver.config.k8s.io/v1', 'AdmissionConfiguration'),
      ];
    },
  },
  {
    name: 'cert-san',
    check: (spec) =>
      (spec.spec.controlPlane?.apiServer?.certSANs ?? []).flatMap((san, i) =>
        isIP(san) || (san.length <= 253 && DNS_NAME.test(san))
          ? []
          : [{ ...messages.badCertSAN(san), path: ['spec', 'controlPlane', 'apiServer', 'certSANs', i] }],
      ),
  },
  {
    name: 'unique-file-paths',
    check: (spec) => {
      const lists: Array<[Array<{ path: string }> | undefined, SpecPath]> = [
        [spec.spec.files, ['spec', 'files']],
        ...owners(spec).map((o): [Array<{ path: string }> | undefined, SpecPath] => [o.own.files, [...o.path, 'files']]),
      ];
      return lists.flatMap(([files, at]) => {
        const seen = new Map<string, number>();
        // Stryker disable next-line ArrayDeclaration: one stray element has no path to be listed twice
        return (files ?? []).flatMap((f, i) => {
          const first = seen.get(f.path);
          if (first === undefined) {
            seen.set(f.path, i);
            return [];
          }
          return [{ ...messages.duplicateFilePath(f.path, formatSpecPath([...at, first, 'path'])), path: [...at, i, 'path'] }];
        });
      });
    },
  },
  {
    name: 'file-kubeadm-writes',
    check: (spec) => {
      const lists: Array<[Array<{ path: string }> | undefined, SpecPath]> = [
        [spec.spec.files, ['spec', 'files']],
        ...owners(spec).map((o): [Array<{ path: string }> | undefined, SpecPath] => [o.own.files, [...o.path, 'files']]),
      ];
      return lists.flatMap(([files, at]) =>
        // Stryker disable next-line ArrayDeclaration: a stray element has no path kubeadm writes
        (files ?? []).flatMap((f, i) => {
          const hit = KUBEADM_WRITES.find(([re]) => re.test(f.path));
          return hit ? [{ ...messages.fileKubeadmWrites(f.path, hit[1]), path: [...at, i, 'path'] }] : [];
        }),
      );
    },
  },
  {
    // Flatcar and Fedora CoreOS mount /usr read-only: Ignition cannot write there and the boot fails.
    name: 'file-read-only-usr',
    check: (spec) => {
      const reported = new Set<string>();
      const out: Problem[] = [];
      for (const o of owners(spec)) {
        // Stryker disable next-line StringLiteral: any text that is not an Ignition OS name reads the same as ''
        if (!IGNITION.has(o.own.os ?? '')) continue;
        for (const f of effectiveFiles(spec, o.own, o.path)) {
          const at = formatSpecPath(f.origin);
          if (!(f.path === '/usr' || f.path.startsWith('/usr/')) || reported.has(at)) continue;
          reported.add(at);
          out.push({ ...messages.fileOnReadOnlyUsr(f.path, o.name), path: [...f.origin, 'path'] });
        }
      }
      return out;
    },
  },
  {
    name: 'no-key-paths-on-workers',
    check: (spec) => {
      const reported = new Set<string>();
      const out: Problem[] = [];
      for (const o of owners(spec)) {
        if (o.holdsKeys) continue;
        for (const f of effectiveFiles(spec, o.own, o.path)) {
          const dir = keyDirOf(f.path);
          const at = formatSpecPath(f.origin);
          if (!dir || reported.has(at)) continue;
          reported.add(at);
          out.push({ ...messages.keyPathOnWorker(f.path, dir, o.name), path: [...f.origin, 'path'] });
        }
      }
      return out;
    },
  },
  {
    name: 'sysctls',
    check: (spec) => {
      const kspray = new Map(KSPRAY_SYSCTLS.map(([k, v]) => [k, String(v)]));
      const maps: Array<[Record<string, string | number> | undefined, SpecPath]> = [
        [spec.spec.sysctls, ['spec', 'sysctls']],
        ...owners(spec).map((o): [Record<string, string | number> | undefined, SpecPath] => [o.own.sysctls, [...o.path, 'sysctls']]),
      ];
      return maps.flatMap(([sysctls, at]) =>
        Object.keys(sysctls ?? {}).flatMap((key) => {
          if (!/^[a-z0-9_]+([./][a-zA-Z0-9_-]+)+$/.test(key)) return [{ ...messages.badSysctlName(key), path: [...at, key], atKey: true }];
          const ours = kspray.get(key.replace(/\//g, '.'));
          return ours === undefined ? [] : [{ ...messages.reservedSysctl(key, ours), path: [...at, key], atKey: true }];
        }),
      );
    },
  },
  {
    name: 'patch-shape',
    check: (spec) =>
      // Stryker disable next-line ArrayDeclaration: a stray element is no list and defaults to strategic: the shape matches
      (spec.spec.patches ?? []).flatMap((p, i) => {
        const type = p.type ?? 'strategic';
        const isList = Array.isArray(p.patch);
        return isList === (type === 'json') ? [] : [{ ...messages.patchShape(type), path: ['spec', 'patches', i, 'patch'] }];
      }),
  },
];
