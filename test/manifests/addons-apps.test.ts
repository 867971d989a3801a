// The application addons (Argo CD, cert-manager, MetalLB): what the first control plane downloads
// (addons.tsv: Kubespray's pinned URLs, the catalog's or the user's sha256, Argo CD's namespace),
// what kspray generates around them (read back by the real kubectl), the images the artifacts list
// gets for them, and kube-proxy's strictARP following MetalLB.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { compileSpec } from '../../src/compileSpec.js';
import type { ClusterModel } from '../../src/model/model.js';
import { newPlan, type NodePlan } from '../../src/plan/nodePlan.js';
import { addonsBuilder } from '../../src/plan/builders/addons.js';
import { appAddonsBuilder } from '../../src/plan/builders/appAddons.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import { exampleFile, loadExample, renderFixture, repoRoot } from '../helpers/fixtures.js';
import { KUBECTL, kustomize, run, splitDocs, tempDir } from './helpers.js';

type Obj = Record<string, any>;
const idOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const byId = (objs: Obj[]) => Object.fromEntries(objs.map((o) => [idOf(o), o]));
const readYaml = (text: string): Obj[] => parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as Obj);

const SCENARIO = 'addons-apps';
const scenarioText = () => readFileSync(exampleFile(SCENARIO), 'utf8');
/** The matrix scenario with `extra` lines added under spec.kubernetes (same name: same test bundle). */
const scenarioWith = (kubernetesLines: string, tail = ''): ClusterModel =>
  compileSpec(scenarioText().replace('  kubernetes:\n', `  kubernetes:\n${kubernetesLines}`) + tail, 'cluster.yaml');

/** Only the two addon builders: they read no PKI. */
function addonPlan(model: ClusterModel): NodePlan {
  const node = model.nodes.find((n) => n.isFirstControlPlane)!;
  const plan = newPlan(node);
  for (const b of [addonsBuilder, appAddonsBuilder]) b.build({ model, node, pki: {} as IssuedPki, plan });
  return plan;
}

const tsvRows = (plan: NodePlan) =>
  plan.files
    .get('/etc/kspray/addons.tsv')!
    .content.trimEnd()
    .split('\n')
    .map((l) => l.split('\t'));

/** Kubespray's own YAML, parsed here rather than through the catalog's JSON copy. */
const kubespray = (file: string) => parse(readFileSync(join(repoRoot, 'data', 'kubespray', file), 'utf8')) as Obj;

describe('addons.tsv: upstream manifests at the versions Kubespray pins', () => {
  const model = loadExample(SCENARIO);
  const rows = tsvRows(addonPlan(model));
  const row = (file: string) => rows.find((r) => r[0] === file)!;
  const download = kubespray('download.yml');

  it("Argo CD: Kubespray's newest argocd_install_checksums entry, its URL template, namespace argocd", () => {
    const [version, sha] = Object.entries(kubespray('checksums.yml').argocd_install_checksums.no_arch)[0] as [string, string];
    const url = (download.argocd_install_url as string).replace('{{ argocd_version }}', version);
    expect(row('81-argocd.yaml')).toEqual(['81-argocd.yaml', url, sha.replace(/^sha256:/, ''), 'argocd']);
  });

  it("cert-manager and MetalLB: upstream's release manifests at cert_manager_version / metallb_version, with the user's sha256", () => {
    expect(row('70-cert-manager.yaml')).toEqual([
      '70-cert-manager.yaml',
      `https://github.com/cert-manager/cert-manager/releases/download/v${download.cert_manager_version}/cert-manager.yaml`,
      '1'.repeat(64),
    ]);
    expect(row('71-metallb.yaml')).toEqual([
      '71-metallb.yaml',
      `https://raw.githubusercontent.com/metallb/metallb/v${download.metallb_version}/config/manifests/metallb-native.yaml`,
      '2'.repeat(64),
    ]);
  });

  it('every manifest is applied in file-name order: CRDs and webhooks before the objects that need them', () => {
    const files = [...rows.map((r) => r[0]!), ...[...addonPlan(model).files.keys()].map((p) => p.split('/').pop()!)].filter((f) => f.endsWith('.yaml'));
    const order = [...new Set(files)].sort();
    expect(order.indexOf('71-metallb.yaml')).toBeLessThan(order.indexOf('72-metallb-config.yaml'));
    expect(order.indexOf('80-argocd-namespace.yaml')).toBeLessThan(order.indexOf('81-argocd.yaml'));
  });

  it('artifacts.mirror moves every download under the mirror (Kubespray files_repo layout), checksums unchanged', () => {
    const mirrored = tsvRows(addonPlan(compileSpec(scenarioText().replace('  addons:\n', '  artifacts: { mirror: "https://files.internal/k8s/" }\n  addons:\n'), 'cluster.yaml')));
    expect(mirrored.map((r) => r[1])).toEqual(rows.map((r) => r[1]!.replace(/^https:\/\//, 'https://files.internal/k8s/')));
    expect(mirrored.map((r) => [r[0], r[2], r[3]])).toEqual(rows.map((r) => [r[0], r[2], r[3]]));
  });
});

describe('images the downloaded manifests pull, for `kspray artifacts list`', () => {
  const download = kubespray('download.yml');
  const cm = download.cert_manager_version as string;
  const lb = download.metallb_version as string;
  const argocd = Object.keys(kubespray('checksums.yml').argocd_install_checksums.no_arch)[0];

  it("are Kubespray's cert_manager_* and metallb_* images (plus the ACME solver) and Argo CD's", () => {
    expect(addonPlan(loadExample(SCENARIO)).extraImages.sort()).toEqual(
      [
        `quay.io/jetstack/cert-manager-acmesolver:v${cm}`,
        `quay.io/jetstack/cert-manager-cainjector:v${cm}`,
        `quay.io/jetstack/cert-manager-controller:v${cm}`,
        `quay.io/jetstack/cert-manager-webhook:v${cm}`,
        `quay.io/metallb/controller:v${lb}`,
        `quay.io/metallb/speaker:v${lb}`,
        `quay.io/argoproj/argocd:v${argocd}`,
      ].sort(),
    );
  });

  it('honour artifacts.registry like every other image', () => {
    const model = compileSpec(scenarioText().replace('  addons:\n', '  artifacts: { registry: "registry.internal:5000" }\n  addons:\n'), 'cluster.yaml');
    const images = addonPlan(model).extraImages;
    expect(images).toContain(`registry.internal:5000/metallb/speaker:v${lb}`);
    expect(images.every((i) => i.startsWith('registry.internal:5000/'))).toBe(true);
  });

  it('only the first control plane has them, and no addon means none', () => {
    const model = loadExample(SCENARIO);
    const worker = model.nodes.find((n) => !n.isControlPlane)!;
    const plan = newPlan(worker);
    appAddonsBuilder.build({ model, node: worker, pki: {} as IssuedPki, plan });
    expect(plan.extraImages).toEqual([]);
    expect(addonPlan(loadExample('single')).extraImages).toEqual([]);
  });
});

/** `kubectl set env --local` decodes each document into its Go type; non-workloads then fail with "not a pod". */
function decode(docs: string[]) {
  const file = join(tempDir(), 'docs.yaml');
  writeFileSync(file, docs.join('---\n'));
  return run(KUBECTL, ['set', 'env', '--local', '-f', file, 'KSPRAY_DECODE_CHECK=1', '-o', 'yaml']);
}

describe('kubectl reads the manifests kspray generates for them', () => {
  const plan = addonPlan(loadExample(SCENARIO));
  const generated = Object.fromEntries(
    [...plan.files.values()].filter((f) => f.builder === 'app-addons').map((f) => [f.path.split('/').pop()!, f.content]),
  );

  it('kubectl kustomize parses every document and reads what kspray meant', () => {
    expect(Object.keys(generated).sort()).toEqual(['72-metallb-config.yaml', '80-argocd-namespace.yaml']);
    const ours = Object.values(generated).flatMap(readYaml);
    const read = parseAllDocuments(kustomize(generated)).map((d) => d.toJS() as Obj);
    expect(byId(read)).toEqual(byId(ours));
    expect(Object.keys(byId(read)).sort()).toEqual([
      'IPAddressPool/metallb-system/default',
      'IPAddressPool/metallb-system/public',
      'L2Advertisement/metallb-system/kspray-l2',
      'Namespace//argocd',
    ]);
  });

  it("the Namespace decodes into kubectl's v1.Namespace (the only built-in kind here)", () => {
    const r = decode(splitDocs(generated['80-argocd-namespace.yaml']!));
    // Decoded into the Go type, then refused only because a Namespace has no pod template.
    expect(r.stderr).toContain('not a pod or does not have a pod template: *v1.Namespace');
  });

  it('the MetalLB objects announce exactly the spec pools (CRs: kubectl has no Go type; MetalLB\'s webhook checks them on apply)', () => {
    const docs = readYaml(generated['72-metallb-config.yaml']!);
    const pools = docs.filter((d) => d.kind === 'IPAddressPool');
    expect(pools.map((p) => [p.metadata.name, p.spec.addresses])).toEqual([
      ['default', ['10.0.0.200-10.0.0.220']],
      ['public', ['192.0.2.0/28']],
    ]);
    const l2 = docs.find((d) => d.kind === 'L2Advertisement')!;
    expect(l2.spec.ipAddressPools).toEqual(['default', 'public']);
    expect(docs.every((d) => d.apiVersion === 'metallb.io/v1beta1')).toBe(true);
  });

  it('l2: false leaves the pools unannounced (for BGP advertisements the user adds)', () => {
    const model = compileSpec(scenarioText().replace('      manifestSha256: "2222', '      l2: false\n      manifestSha256: "2222'), 'cluster.yaml');
    const docs = readYaml(addonPlan(model).files.get('/etc/kspray/addons/72-metallb-config.yaml')!.content);
    expect(docs.map((d) => d.kind)).toEqual(['IPAddressPool', 'IPAddressPool']);
  });
});

describe('the checks fail on broken input', () => {
  const plan = addonPlan(loadExample(SCENARIO));
  const ns = plan.files.get('/etc/kspray/addons/80-argocd-namespace.yaml')!.content;

  it('kustomize refuses a broken document', () => {
    expect(() => kustomize({ 'bad.yaml': ns.replace('name: argocd', 'name: [argocd') })).toThrow();
  });

  it('the decode refuses a wrongly typed field', () => {
    expect(decode([ns.replace('name: argocd', 'name: { argocd: 1 }')]).stderr).toMatch(/unable to decode|cannot unmarshal/);
  });
});

describe("kube-proxy's strictARP follows MetalLB (Kubespray kube_proxy_strict_arp)", () => {
  const kubeProxyConfig = async (model: ClusterModel): Promise<Obj | undefined> => {
    const rendered = await renderFixture(model, SCENARIO);
    const plan = rendered.plans.find((p) => p.node.isFirstControlPlane)!;
    const kubeadm = [...plan.files.values()].find((f) => f.path.endsWith('kubeadm.yaml'))!;
    return readYaml(kubeadm.content).find((d) => d.kind === 'KubeProxyConfiguration');
  };

  it('on with MetalLB and ipvs', async () => {
    expect((await kubeProxyConfig(loadExample(SCENARIO)))?.ipvs).toEqual({ strictARP: true });
  });

  it('off without MetalLB', async () => {
    const model = compileSpec(scenarioText().replace(/    metallb:[\s\S]*?(?=  nodes:)/, ''), 'cluster.yaml');
    expect(model.appAddons.metallb).toBeUndefined();
    expect((await kubeProxyConfig(model))?.ipvs).toEqual({ strictARP: false });
  });

  it('irrelevant with iptables (no ipvs section at all)', async () => {
    const config = await kubeProxyConfig(scenarioWith('    proxyMode: iptables\n'));
    expect(config?.mode).toBe('iptables');
    expect(config).not.toHaveProperty('ipvs');
  });
});
