// Every manifest of every example and matrix scenario, read by kubectl itself (offline): the addon
// sets the first control plane applies and the static pods of the other nodes go through
// `kubectl kustomize` (kubectl's YAML reader; apiVersion/kind/name required, duplicates refused),
// and every workload is decoded into its Go type by `kubectl set env --local`. A new network
// plugin, addon or scenario is covered by adding it, with no edit here.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SCENARIOS, loadExample, renderFixture } from '../helpers/fixtures.js';
import { KUBECTL, kustomize, run, tempDir } from './helpers.js';
import { KUBEADM_CONFIG_PATH } from '../../src/plan/builders/kubeadm.js';

type Obj = { kind?: string; metadata?: { name?: string; namespace?: string } };
const WORKLOADS = new Set(['DaemonSet', 'Deployment', 'StatefulSet', 'Pod', 'Job', 'ReplicaSet']);

/** One copy of each manifest path (static pods repeat on every node of a kind), first control plane first. */
async function manifestsOf(name: string): Promise<Record<string, string>> {
  const r = await renderFixture(loadExample(name));
  const plans = [...r.plans].sort((a, b) => Number(b.node.isFirstControlPlane) - Number(a.node.isFirstControlPlane));
  const out: Record<string, string> = {};
  for (const plan of plans) {
    for (const f of plan.files.values()) {
      if (!/\.ya?ml$/.test(f.path) || f.path === KUBEADM_CONFIG_PATH) continue;
      if (!f.path.startsWith('/etc/kspray/addons/') && !f.path.startsWith('/etc/kubernetes/manifests/')) continue;
      const key = f.path.split('/').pop()!;
      out[key] ??= f.content;
    }
  }
  return out;
}

const docsOf = (files: Record<string, string>) =>
  Object.values(files).flatMap((text) => parseAllDocuments(text, { version: '1.1' }).map((d) => ({ text: d.toString(), obj: d.toJS() as Obj })));

describe.each(SCENARIOS)('kubectl reads every manifest of %s', (name) => {
  it('kustomize parses all documents; every workload decodes into its Kubernetes type', async () => {
    const files = await manifestsOf(name);
    const docs = docsOf(files).filter((d) => d.obj);
    expect(docs.length).toBeGreaterThan(0);
    const read = parseAllDocuments(kustomize(files)).map((d) => d.toJS() as Obj);
    expect(read).toHaveLength(docs.length);

    const workloads = docs.filter((d) => WORKLOADS.has(d.obj.kind ?? ''));
    if (workloads.length === 0) return;
    const file = join(tempDir(), 'workloads.yaml');
    writeFileSync(file, workloads.map((w) => w.text).join('---\n'));
    const r = run(KUBECTL, ['set', 'env', '--local', '-f', file, 'KSPRAY_DECODE_CHECK=1', '-o', 'yaml']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^kind: (DaemonSet|Deployment|StatefulSet|Pod|Job|ReplicaSet)$/gm)).toHaveLength(workloads.length);
  });
});
