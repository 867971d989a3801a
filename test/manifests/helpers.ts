// Shared by the manifest tests: a model from inline spec YAML, running only the builders under
// test (others are developed concurrently), and the offline kubectl / nginx checks.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { findTool, haveTool } from '../helpers/validators.js';
import { loadSpec } from '../../src/api/loadSpec.js';
import { toModel } from '../../src/model/toModel.js';
import type { ClusterModel, NodeModel } from '../../src/model/model.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import type { Builder } from '../../src/plan/builder.js';
import { newPlan, type NodePlan } from '../../src/plan/nodePlan.js';
import { calicoBuilder } from '../../src/plan/builders/calico.js';
import { addonsBuilder } from '../../src/plan/builders/addons.js';
import { apiserverProxyBuilder } from '../../src/plan/builders/apiserverProxy.js';

// Found the one way test tools are (validators.ts); kubectl is .ci/run's official binary on PATH.
// A test that runs one without gating on haveTool fails (never passes) when it is missing.
export const KUBECTL = findTool('kubectl') ?? 'kubectl';
export const NGINX = findTool('nginx') ?? 'nginx';
export const hasKubectl = haveTool('kubectl');

/** Three control planes, one fixed worker, one worker pool; `extraSpec` lines go under spec:. */
export function modelOf(extraSpec = ''): ClusterModel {
  const yaml = `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata: { name: demo }
spec:
${extraSpec}
  nodes:
    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }
    - { name: cp-2, address: 10.0.0.12, roles: [control-plane] }
    - { name: cp-3, address: 10.0.0.13, roles: [control-plane] }
    - { name: w-1, address: 10.0.0.21, roles: [worker] }
  pools:
    - { name: workers, roles: [worker], count: 2 }
`;
  return toModel(loadSpec(yaml, 'cluster.yaml').spec, 'cluster.yaml');
}

// These builders never read the PKI.
const pki = {} as IssuedPki;
const BUILDERS: Builder[] = [apiserverProxyBuilder, calicoBuilder, addonsBuilder];

export function planOf(model: ClusterModel, node: NodeModel): NodePlan {
  const plan = newPlan(node);
  for (const b of BUILDERS) b.build({ model, node, pki, plan });
  return plan;
}

export const nodeNamed = (model: ClusterModel, name: string): NodeModel => {
  const n = model.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
};

export function fileOf(plan: NodePlan, path: string): string {
  const f = plan.files.get(path);
  if (!f) throw new Error(`${plan.node.name}: no ${path} (has ${[...plan.files.keys()].join(', ')})`);
  return f.content;
}

/** The documents of a toYamlStream output, byte for byte (the stream joins them with "---\n"). */
export const splitDocs = (stream: string): string[] => stream.split(/^---\n/m);

/** A scratch directory removed when the current test ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-manifests-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  // No cluster on this machine and none wanted: an empty KUBECONFIG keeps kubectl offline.
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `kubectl kustomize` over a directory holding the files: kubectl's own YAML reader parses every
 * document, requires apiVersion/kind/metadata.name and refuses duplicate objects, without a server.
 */
export function kustomize(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  writeFileSync(join(dir, 'kustomization.yaml'), `resources:\n${Object.keys(files).map((f) => `- ${f}\n`).join('')}`);
  const r = run(KUBECTL, ['kustomize', dir]);
  if (r.status !== 0) throw new Error(`kubectl kustomize failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export const hasNginx = haveTool('nginx');
/** Debian builds the stream module as a dynamic module; nginx's official image has it built in. */
export const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
