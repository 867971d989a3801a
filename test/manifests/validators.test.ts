// The real consumers read the generated files, offline: kubectl (the same YAML reader and Go types
// `kubectl apply` uses on the node) for the manifests, `nginx -t` for nginx.conf. Each check also
// gets a broken input, to prove it can fail.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ClusterModel } from '../../src/model/model.js';
import { KUBECTL, NGINX, STREAM_MODULE, fileOf, hasNginx, kustomize, modelOf, nodeNamed, planOf, run, splitDocs, tempDir } from './helpers.js';

type Obj = Record<string, any>;
const idOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const byId = (objs: Obj[]) => Object.fromEntries(objs.map((o) => [idOf(o), o]));
const readYaml11 = (text: string): Obj[] => parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as Obj);
/** kustomize writes YAML 1.2 (yaml.v3): "yes"/"on" stay strings there. */
const readYaml12 = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj);

/** Every manifest kubectl will apply or the kubelet will read, for one spec: name → content. */
function manifestsOf(model: ClusterModel): Record<string, string> {
  const cp = planOf(model, nodeNamed(model, 'cp-1'));
  const worker = planOf(model, nodeNamed(model, 'w-1'));
  const out: Record<string, string> = {};
  for (const f of cp.files.values()) if (f.path.endsWith('.yaml')) out[f.path.split('/').pop()!] = f.content;
  out['nginx-proxy.yaml'] = fileOf(worker, '/etc/kubernetes/manifests/nginx-proxy.yaml');
  return out;
}

/**
 * Kinds `kubectl set env --local` decodes into their Go types (it acts on pod templates only); the
 * rest are covered by kustomize and the equality check (APIService is not even in kubectl's scheme).
 */
const WORKLOADS = new Set(['DaemonSet', 'Deployment', 'Pod']);

/** Decodes documents into kubectl's Go types (`set env --local` needs no server); returns stderr on failure. */
function decodeWorkloads(docs: string[]): { status: number | null; stderr: string; stdout: string } {
  const file = join(tempDir(), 'workloads.yaml');
  writeFileSync(file, docs.join('---\n'));
  return run(KUBECTL, ['set', 'env', '--local', '-f', file, 'KSPRAY_DECODE_CHECK=1', '-o', 'yaml']);
}

const SPECS = {
  defaults: '  addons: { metricsServer: true }',
  'ipip, mtu, registry': '  addons: { metricsServer: true }\n  network: { mtu: 1400, calico: { encapsulation: ipip } }\n  artifacts: { registry: "registry.internal:5000" }',
};

describe.each(Object.entries(SPECS))('kubectl reads the manifests (%s)', (_label, spec) => {
  const files = manifestsOf(modelOf(spec));

  it('kubectl kustomize parses every document, and reads what kspray meant', () => {
    expect(Object.keys(files).sort()).toEqual(['10-calico.yaml', '30-nodelocaldns.yaml', '40-metrics-server.yaml', 'nginx-proxy.yaml']);
    const ours = Object.values(files).flatMap(readYaml11);
    const read = readYaml12(kustomize(files));
    expect(read).toHaveLength(ours.length);
    expect(byId(read)).toEqual(byId(ours));
  });

  it('every workload decodes into its Kubernetes type', () => {
    const docs = Object.values(files).flatMap(splitDocs);
    const workloads = docs.filter((d) => WORKLOADS.has(readYaml11(d)[0]!.kind));
    expect(workloads.length).toBeGreaterThanOrEqual(5);
    const r = decodeWorkloads(workloads);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^kind: (DaemonSet|Deployment|Pod)$/gm)).toHaveLength(workloads.length);
  });
});

describe('the checks fail on broken input', () => {
  const files = manifestsOf(modelOf(''));

  it('kustomize refuses broken YAML', () => {
    expect(() => kustomize({ 'bad.yaml': files['30-nodelocaldns.yaml']!.replace('name: nodelocaldns', 'name: [nodelocaldns') })).toThrow();
  });

  it('the decode refuses a wrongly typed field', () => {
    const pod = files['nginx-proxy.yaml']!.replace('hostNetwork: true', 'hostNetwork: "yes please"');
    expect(decodeWorkloads([pod]).stderr).toMatch(/unable to decode|cannot unmarshal/);
  });
});

describe.skipIf(!hasNginx)('nginx -t accepts the generated nginx.conf', () => {
  // Debian's nginx loads the stream module dynamically; nginx's official image (the one the pod
  // runs) has it built in, so it is loaded from the command line, leaving the file untouched.
  const stream = existsSync(STREAM_MODULE) ? ['-g', `load_module ${STREAM_MODULE};`] : [];
  const nginxTest = (confPath: string) => run(NGINX, ['-t', '-c', confPath, '-p', tempDir(), '-e', 'stderr', ...stream]);

  it('the real file, as written on a worker', () => {
    const model = modelOf('');
    const conf = fileOf(planOf(model, nodeNamed(model, 'w-1')), '/etc/nginx/nginx.conf');
    const path = join(tempDir(), 'nginx.conf');
    writeFileSync(path, conf);
    const r = nginxTest(path);
    expect(r.stderr).toContain('test is successful');
    expect(r.status).toBe(0);
  });

  it('and refuses a broken one', () => {
    const model = modelOf('');
    const conf = fileOf(planOf(model, nodeNamed(model, 'w-1')), '/etc/nginx/nginx.conf').replace('least_conn;', 'least_conn');
    const path = join(tempDir(), 'nginx.conf');
    writeFileSync(path, conf);
    expect(nginxTest(path).status).not.toBe(0);
  });
});
