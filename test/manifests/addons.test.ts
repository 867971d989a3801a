// The settings-driven addons (spec.addons.coredns, dnsAutoscaler, localPathProvisioner, registry,
// helm): their manifests read by the real consumer, kubectl (kustomize's YAML reader and the Go
// types `kubectl set env --local` decodes workloads into), each check also shown failing on a
// broken input; the Corefile builder; and helm's line in downloads.tsv.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import type { ClusterModel } from '../../src/model/model.js';
import { bootstrapBuilder } from '../../src/plan/builders/bootstrap.js';
import { newPlan } from '../../src/plan/nodePlan.js';
import { ADDON_FILES, addonPath } from '../../src/plan/manifests/addonFiles.js';
import { corefile } from '../../src/plan/manifests/coredns.js';
import { corefile as nodeLocalDnsCorefile } from '../../src/plan/manifests/nodeLocalDns.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import { KUBECTL, fileOf, kustomize, modelOf, nodeNamed, planOf, run, splitDocs, tempDir } from './helpers.js';

type Obj = Record<string, any>;
const idOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const byId = (objs: Obj[]) => Object.fromEntries(objs.map((o) => [idOf(o), o]));
const readYaml11 = (text: string): Obj[] => parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as Obj);
const readYaml12 = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj);

const ALL = `  addons:
    coredns:
      upstreamServers: [10.0.0.2, "10.0.0.3:53"]
      zones:
        - { name: Corp.Example.com., servers: [10.0.50.53, 10.0.50.54], cache: 60 }
        - { name: lab.example, servers: [10.0.60.53], cache: 0 }
    dnsAutoscaler: { max: 10 }
    helm: true
    localPathProvisioner: { claimRoot: /var/lib/local-path/ }
    registry: { namespace: registry, storageClass: local-path, size: 20Gi }`;
const VARIANT = `  addons:
    dnsAutoscaler: { coresPerReplica: 128, nodesPerReplica: 8, min: 3, preventSinglePointFailure: false }
    localPathProvisioner: { namespace: kube-system, storageClass: node-local, reclaimPolicy: Retain, defaultClass: false }
    registry: { port: 5001 }
  artifacts: { registry: "registry.internal:5000", mirror: "https://files.internal/kspray" }`;

const ADDONS = ['coredns', 'dnsAutoscaler', 'localPathProvisioner', 'registry'] as const;
type Addon = (typeof ADDONS)[number];

/** The addon manifests on the first control plane: addon → file content. */
function addonFiles(model: ClusterModel): Partial<Record<Addon, string>> {
  const plan = planOf(model, nodeNamed(model, 'cp-1'));
  const out: Partial<Record<Addon, string>> = {};
  for (const a of ADDONS) {
    const f = plan.files.get(addonPath(ADDON_FILES[a]));
    if (f) out[a] = f.content;
  }
  return out;
}

/** Decodes documents into kubectl's Go types (`set env --local` needs no server). */
function decodeWorkloads(docs: string[]) {
  const file = join(tempDir(), 'workloads.yaml');
  writeFileSync(file, docs.join('---\n'));
  return run(KUBECTL, ['set', 'env', '--local', '-f', file, 'KSPRAY_DECODE_CHECK=1', '-o', 'yaml']);
}

const WORKLOADS = new Set(['Deployment', 'DaemonSet', 'Pod']);
const workloadDocs = (content: string) => splitDocs(content).filter((d) => WORKLOADS.has(readYaml11(d)[0]!.kind));
const docOf = (content: string, kind: string, name?: string): Obj => {
  const o = readYaml11(content).find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind} ${name ?? ''}`);
  return o;
};

describe('off by default: no addon file, nothing else changes', () => {
  it('a spec without the settings gets none of these files', () => {
    expect(addonFiles(modelOf(''))).toEqual({});
  });

  it('an addon mapping with enabled: false stays off', () => {
    const m = modelOf('  addons:\n    dnsAutoscaler: { enabled: false }\n    localPathProvisioner: { enabled: false }\n    registry: { enabled: false }');
    expect(addonFiles(m)).toEqual({});
  });
});

describe.each([
  ['every addon', ALL, ADDONS],
  ['variant: kube-system, no default class, air-gapped', VARIANT, ['dnsAutoscaler', 'localPathProvisioner', 'registry'] as const],
])('kubectl reads the addon manifests (%s)', (_label, spec, expected) => {
  const files = addonFiles(modelOf(spec));

  it('writes one file per addon that is on', () => {
    expect(Object.keys(files).sort()).toEqual([...expected].sort());
  });

  it.each([...expected])('kubectl kustomize parses %s and reads what kspray meant', (addon) => {
    const content = files[addon]!;
    const ours = readYaml11(content);
    const read = readYaml12(kustomize({ [`${addon}.yaml`]: content }));
    expect(read).toHaveLength(ours.length);
    expect(byId(read)).toEqual(byId(ours));
  });

  it('every workload decodes into its Kubernetes type, the local-path helper pod too', () => {
    const docs = expected.flatMap((a) => workloadDocs(files[a]!));
    const lpp = docOf(files.localPathProvisioner!, 'ConfigMap', 'local-path-config');
    docs.push(lpp.data['helperPod.yaml']);
    expect(docs).toHaveLength(expected.filter((a) => a !== 'coredns').length + 1);
    const r = decodeWorkloads(docs);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^kind: (Deployment|Pod)$/gm)).toHaveLength(docs.length);
  });
});

describe('the checks fail on broken input, for each addon', () => {
  const files = addonFiles(modelOf(ALL));

  it.each(ADDONS)('kustomize refuses a broken %s file', (addon) => {
    const broken = files[addon]!.replace(/^kind: (\w+)$/m, 'kind: [$1');
    expect(broken).not.toBe(files[addon]);
    expect(() => kustomize({ 'bad.yaml': broken })).toThrow(/kubectl kustomize failed/);
  });

  it.each(ADDONS.filter((a) => a !== 'coredns'))('the decode refuses a wrongly typed field in the %s Deployment', (addon) => {
    const [deployment] = workloadDocs(files[addon]!);
    const broken = deployment!.replace(/serviceAccountName: (\S+)/, 'serviceAccountName: [$1]');
    expect(broken).not.toBe(deployment);
    expect(decodeWorkloads([broken]).stderr).toMatch(/unable to decode|cannot unmarshal/);
  });

  it('the decode refuses a broken helper pod', () => {
    const helper = docOf(files.localPathProvisioner!, 'ConfigMap', 'local-path-config').data['helperPod.yaml'] as string;
    expect(decodeWorkloads([helper.replace('imagePullPolicy: IfNotPresent', 'imagePullPolicy: [IfNotPresent]')]).stderr).toMatch(/unable to decode|cannot unmarshal/);
  });
});

// kubeadm's Corefile (cmd/kubeadm/app/phases/addons/dns/manifests.go, CoreDNSConfigMap) for
// cluster.local, as kubeadm writes it: the settings must change only what they are about.
const KUBEADM_COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`;

describe('Corefile builder', () => {
  it("without settings it is kubeadm's Corefile", () => {
    expect(corefile(modelOf(''))).toBe(KUBEADM_COREFILE);
  });

  it('follows the cluster domain', () => {
    const c = corefile(modelOf('  kubernetes: { clusterDomain: k8s.internal }'));
    expect(c).toBe(KUBEADM_COREFILE.replaceAll('cluster.local', 'k8s.internal'));
  });

  it('forwards to the upstream servers and adds one block per zone, otherwise unchanged', () => {
    const c = corefile(modelOf(ALL));
    const [main, ...zones] = c.split(/^(?=[^\s}])/m);
    expect(main).toBe(KUBEADM_COREFILE.replace('forward . /etc/resolv.conf {', 'forward . 10.0.0.2 10.0.0.3:53 {'));
    // Trailing dot and case dropped: the same zone as CoreDNS compares it.
    expect(zones).toEqual([
      'corp.example.com:53 {\n    errors\n    cache 60\n    forward . 10.0.50.53 10.0.50.54\n    loadbalance\n    reload\n}\n',
      'lab.example:53 {\n    errors\n    forward . 10.0.60.53\n    loadbalance\n    reload\n}\n',
    ]);
  });

  it('is what the coredns ConfigMap carries, under kubeadm\'s name and key', () => {
    const m = modelOf(ALL);
    const cm = docOf(addonFiles(m).coredns!, 'ConfigMap');
    expect(cm.metadata).toEqual({ name: 'coredns', namespace: 'kube-system' });
    expect(cm.data).toEqual({ Corefile: corefile(m) });
  });

  it('nodelocaldns forwards the same zones to the same servers, and the rest upstream', () => {
    const base = nodeLocalDnsCorefile(modelOf(''));
    const c = nodeLocalDnsCorefile(modelOf(ALL));
    const blocks = c.split(/^(?=[^\s}])/m);
    expect(blocks.map((b) => b.split(' ')[0])).toEqual(['cluster.local:53', 'in-addr.arpa:53', 'ip6.arpa:53', 'corp.example.com:53', 'lab.example:53', '.:53']);
    expect(blocks[3]).toContain('    cache 60\n');
    expect(blocks[3]).toContain('    forward . 10.0.50.53 10.0.50.54\n');
    expect(blocks[4]).not.toContain('cache');
    expect(blocks[5]).toContain('    forward . 10.0.0.2 10.0.0.3:53\n');
    // The cluster zones are untouched.
    expect(blocks.slice(0, 3).join('')).toBe(base.split(/^(?=[^\s}])/m).slice(0, 3).join(''));
    expect(base).toContain('forward . /etc/resolv.conf\n');
  });
});

describe('what each addon says', () => {
  const all = addonFiles(modelOf(ALL));
  const variant = addonFiles(modelOf(VARIANT));
  const argOf = (content: string, flag: string): string => {
    const cmd = docOf(content, 'Deployment').spec.template.spec.containers[0].command as string[];
    const a = cmd.find((c) => c.startsWith(`${flag}=`));
    if (!a) throw new Error(`no ${flag}`);
    return a.slice(flag.length + 1);
  };

  it("dns-autoscaler: Kubespray's defaults, the spec's overrides, kubeadm's coredns as target", () => {
    expect(JSON.parse(argOf(all.dnsAutoscaler!, '--default-params'))).toEqual({
      linear: { coresPerReplica: 256, nodesPerReplica: 16, min: 2, max: 10, preventSinglePointFailure: true },
    });
    expect(JSON.parse(argOf(variant.dnsAutoscaler!, '--default-params'))).toEqual({
      linear: { coresPerReplica: 128, nodesPerReplica: 8, min: 3, preventSinglePointFailure: false },
    });
    expect(argOf(all.dnsAutoscaler!, '--target')).toBe('Deployment/coredns');
    const role = docOf(all.dnsAutoscaler!, 'ClusterRole');
    expect(role.rules).toContainEqual({ apiGroups: ['apps'], resources: ['deployments/scale', 'replicasets/scale'], verbs: ['get', 'update'] });
    expect(docOf(all.dnsAutoscaler!, 'ClusterRoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'dns-autoscaler', namespace: 'kube-system' }]);
  });

  it('images come from the catalog and honour artifacts.registry', () => {
    const catalog = JSON.parse(readFileSync(new URL('../../data/kubespray/kubespray.json', import.meta.url), 'utf8')).download;
    const image = (content: string) => docOf(content, 'Deployment').spec.template.spec.containers[0].image;
    expect(image(all.dnsAutoscaler!)).toBe(`registry.k8s.io/cpa/cluster-proportional-autoscaler:v${catalog.dnsautoscaler_version}`);
    expect(image(all.localPathProvisioner!)).toBe(`docker.io/rancher/local-path-provisioner:v${catalog.local_path_provisioner_version}`);
    expect(image(all.registry!)).toBe(`docker.io/library/registry:${catalog.registry_version}`);
    for (const c of [variant.dnsAutoscaler!, variant.localPathProvisioner!, variant.registry!]) expect(image(c)).toMatch(/^registry\.internal:5000\//);
    const helper = parse(docOf(variant.localPathProvisioner!, 'ConfigMap').data['helperPod.yaml']);
    expect(helper.spec.containers[0].image).toMatch(/^registry\.internal:5000\/library\/busybox:\d+\.\d+\.\d+$/);
  });

  it('local-path-provisioner: its namespace, the claim root, the StorageClass and its default flag', () => {
    const cm = docOf(all.localPathProvisioner!, 'ConfigMap');
    expect(JSON.parse(cm.data['config.json'])).toEqual({ nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: ['/var/lib/local-path/'] }] });
    expect(docOf(all.localPathProvisioner!, 'Namespace').metadata.name).toBe('local-path-storage');
    expect(docOf(all.localPathProvisioner!, 'StorageClass')).toEqual({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'rancher.io/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    });
    expect(readYaml11(variant.localPathProvisioner!).some((o) => o.kind === 'Namespace')).toBe(false);
    const sc = docOf(variant.localPathProvisioner!, 'StorageClass');
    expect([sc.metadata, sc.reclaimPolicy]).toEqual([{ name: 'node-local' }, 'Retain']);
    for (const o of readYaml11(variant.localPathProvisioner!)) if (o.metadata.namespace) expect(o.metadata.namespace).toBe('kube-system');
  });

  it('registry: a claim of the given class and size, or an emptyDir', () => {
    const pvc = docOf(all.registry!, 'PersistentVolumeClaim');
    expect(pvc.metadata.namespace).toBe('registry');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'local-path', resources: { requests: { storage: '20Gi' } } });
    const pod = (c: string) => docOf(c, 'Deployment').spec.template.spec;
    expect(pod(all.registry!).volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'registry-pvc' } }]);
    expect(pod(all.registry!).priorityClassName).toBeUndefined();
    expect(readYaml11(variant.registry!).some((o) => o.kind === 'PersistentVolumeClaim' || o.kind === 'Namespace')).toBe(false);
    expect(pod(variant.registry!).volumes).toEqual([{ name: 'data', emptyDir: {} }]);
    expect(pod(variant.registry!).priorityClassName).toBe('system-cluster-critical');
    expect(pod(variant.registry!).containers[0].ports).toEqual([{ containerPort: 5001, name: 'registry', protocol: 'TCP' }]);
    expect(docOf(variant.registry!, 'Service').spec.ports).toEqual([{ name: 'registry', port: 5001, protocol: 'TCP', targetPort: 'registry' }]);
  });

  it('apply order: the Corefile before nodelocaldns, the StorageClass before the registry claim', () => {
    const order: string[] = Object.values(ADDON_FILES).sort();
    const at = (f: string) => order.indexOf(f);
    expect(at(ADDON_FILES.coredns)).toBeLessThan(at(ADDON_FILES.nodeLocalDNS));
    expect(at(ADDON_FILES.localPathProvisioner)).toBeLessThan(at(ADDON_FILES.registry));
  });
});

describe('helm: one more verified download on control planes only', () => {
  const pki = {} as IssuedPki;
  const downloadsOf = (model: ClusterModel, name: string) => {
    const plan = newPlan(nodeNamed(model, name));
    bootstrapBuilder.build({ model, node: plan.node, pki, plan });
    return fileOf(plan, '/etc/kspray/downloads.tsv')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
  };
  const table = JSON.parse(readFileSync(new URL('../../data/kubespray/kubespray.json', import.meta.url), 'utf8')).checksums.helm_archive_checksums;

  it("control planes get Kubespray's helm_download_url with its checksum; workers do not", () => {
    const m = modelOf(ALL);
    const version = Object.keys(table.amd64)[0]!;
    for (const cp of ['cp-1', 'cp-2', 'cp-3']) {
      expect(downloadsOf(m, cp).filter(([id]) => id === 'helm')).toEqual([
        ['helm', `https://get.helm.sh/helm-v${version}-linux-amd64.tar.gz`, table.amd64[version].replace('sha256:', '')],
      ]);
    }
    expect(downloadsOf(m, 'w-1').map(([id]) => id)).not.toContain('helm');
    expect(downloadsOf(modelOf(''), 'cp-1').map(([id]) => id)).not.toContain('helm');
  });

  it('follows the node arch and the files mirror', () => {
    const m = modelOf('  addons: { helm: true }\n  artifacts: { mirror: "https://files.internal/kspray/" }');
    m.nodes.find((n) => n.name === 'cp-2')!.arch = 'arm64';
    const version = Object.keys(table.arm64)[0]!;
    expect(downloadsOf(m, 'cp-2').find(([id]) => id === 'helm')).toEqual([
      'helm',
      `https://files.internal/kspray/get.helm.sh/helm-v${version}-linux-arm64.tar.gz`,
      table.arm64[version].replace('sha256:', ''),
    ]);
  });
});
