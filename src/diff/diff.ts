// `kspray diff`: what a spec change does to each node, before anything is written. The new render
// (in memory) against the outputs of the last render: per node or pool, the files added, changed
// and removed on the node, each with the spec paths behind it (the plan's provenance), a short
// content diff for text (never for a secret: it is named, not shown), and a verdict saying whether
// running nodes are affected and which command moves them.
import { z } from 'zod';
import type { Rendered } from '../rendered.js';
import { isSecretFile, type NodePlan } from '../plan/nodePlan.js';
import { changedPayloadFiles, payloadFiles, type NodeFile } from './payloadFiles.js';
import { lineDiff } from './lineDiff.js';

const lineChange = z.object({ op: z.enum(['+', '-']), line: z.number().int().positive(), text: z.string() });

export const fileChangeSchema = z.object({
  path: z.string().describe('Absolute path on the node, or "(secrets archive)" for the fetched archive.'),
  change: z.enum(['added', 'changed', 'removed']),
  modeBefore: z.string().optional(),
  modeAfter: z.string().optional(),
  bytesBefore: z.number().int().nonnegative().optional(),
  bytesAfter: z.number().int().nonnegative().optional(),
  secret: z.boolean().describe('Holds a key or a certificate of the PKI: its content is never shown (lines naming a token are left out of every diff).'),
  builder: z.string().optional(),
  specPaths: z.array(z.string()).describe('The spec paths behind the file (new render, or the old provenance for a removed file).'),
  diff: z.array(lineChange).optional().describe('Changed lines (text files that are not secret), at most 20.'),
  moreLines: z.number().int().nonnegative().optional(),
});

export const VERDICTS = ['unchanged', 'boot-time-only', 'in-place', 'replace', 'new', 'remove'] as const;

export const nodeDiffSchema = z.object({
  node: z.string(),
  kind: z.enum(['node', 'pool']).optional(),
  verdict: z.enum(VERDICTS),
  reason: z.string(),
  action: z.string().optional().describe('The command or step that moves running machines to the new outputs.'),
  files: z.array(fileChangeSchema),
});

export const diffReportSchema = z.object({
  apiVersion: z.literal('kspray.dev/v1alpha1'),
  kind: z.literal('Diff'),
  cluster: z.string(),
  changed: z.boolean().describe('Anything differs: a node, the outputs, or the bundle would grow.'),
  nodes: z.array(nodeDiffSchema),
  bundle: z.object({ additions: z.array(z.string()).describe('Bundle files a render would add (names only).') }),
});

export type FileChange = z.infer<typeof fileChangeSchema>;
export type NodeDiff = z.infer<typeof nodeDiffSchema>;
export type DiffReport = z.infer<typeof diffReportSchema>;

export interface PreviousOutputs {
  /** A file of the previous render, relative to outputs/<cluster>/, or undefined. */
  read(relPath: string): Buffer | undefined;
  /** Node and pool directories under nodes/. */
  nodeNames: string[];
}

/** Files only the node program reads at first boot: a running node never looks at them again. */
const BOOT_ONLY = [/\/kspray-node\.sh$/, /^\/etc\/kspray\/node\.env$/, /^\/etc\/systemd\/system\/kspray-bootstrap\.service$/, /^\/etc\/kspray\/secrets\.sha256$/, /^\/etc\/kspray\/payload\.sha256$/];
/** Cluster manifests the first control plane applies once at bootstrap. */
const ADDON_MANIFEST = /^\/etc\/kspray\/addons\//;

const octal = (mode: number) => `0${mode.toString(8)}`;
/** kubeadm's config holds the bootstrap token: its diff is shown with every token line left out. */
const TOKEN_LINE = /token/i;

/** The payload a node boots from, as written to outputs (full config, not a pointer). */
function payloadRelPath(r: Rendered, node: string): string {
  return r.ignitionConfigs.has(node) ? `nodes/${node}/config.ign` : `nodes/${node}/user-data`;
}

function previousPayload(prev: PreviousOutputs, node: string): string | undefined {
  return (prev.read(`nodes/${node}/user-data`) ?? prev.read(`nodes/${node}/config.ign`))?.toString('utf8');
}

function previousProvenance(prev: PreviousOutputs, node: string): Map<string, { builder: string; origin: string }> {
  const text = prev.read(`nodes/${node}/provenance.json`)?.toString('utf8');
  if (!text) return new Map();
  try {
    const doc = JSON.parse(text) as { files?: Array<{ path: string; builder: string; origin: string }> };
    return new Map((doc.files ?? []).map((f) => [f.path, { builder: f.builder, origin: f.origin }]));
  } catch {
    return new Map();
  }
}

const envValue = (files: Map<string, NodeFile>, key: string): string | undefined =>
  new RegExp(`^${key}=['"]?([^'"\\n]*)`, 'm').exec(files.get('/etc/kspray/node.env')?.content ?? '')?.[1];

function fileChanges(plan: NodePlan, before: Map<string, NodeFile>, after: Map<string, NodeFile>, oldProv: Map<string, { builder: string; origin: string }>): FileChange[] {
  const out: FileChange[] = [];
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const path of paths) {
    const a = before.get(path);
    const b = after.get(path);
    if (a && b && a.content === b.content && a.mode === b.mode) continue;
    const planned = plan.files.get(path);
    const secret = isSecretFile(path, planned);
    const change: FileChange = {
      path,
      change: !a ? 'added' : !b ? 'removed' : 'changed',
      ...(a ? { modeBefore: octal(a.mode), bytesBefore: Buffer.byteLength(a.content) } : {}),
      ...(b ? { modeAfter: octal(b.mode), bytesAfter: Buffer.byteLength(b.content) } : {}),
      secret,
      ...(planned ? { builder: planned.builder } : oldProv.get(path) ? { builder: oldProv.get(path)!.builder } : {}),
      specPaths: planned ? [planned.origin.join('.')] : oldProv.get(path) ? [oldProv.get(path)!.origin] : [],
    };
    if (a && b && !secret && a.content !== b.content) {
      const d = lineDiff(a.content, b.content);
      const shown = planned?.token ? d.changes.filter((c) => !TOKEN_LINE.test(c.text)) : d.changes;
      change.diff = shown;
      if (d.more) change.moreLines = d.more;
    }
    out.push(change);
  }
  return out;
}

function verdictFor(name: string, isControlPlane: boolean, kind: 'node' | 'pool', files: FileChange[], versions: { before?: string; after?: string }): Pick<NodeDiff, 'verdict' | 'reason' | 'action'> {
  if (!files.length) return { verdict: 'unchanged', reason: 'same payload' };
  if (versions.before && versions.after && versions.before !== versions.after) {
    return { verdict: 'in-place', reason: `Kubernetes ${versions.before} → ${versions.after}`, action: `kspray upgrade --to ${versions.after} (plan with --plan, run with --apply)` };
  }
  const lasting = files.filter((f) => !BOOT_ONLY.some((re) => re.test(f.path)));
  if (!lasting.length) return { verdict: 'boot-time-only', reason: 'only files the node program reads at first boot changed: running machines are unaffected, new ones get them' };
  if (isControlPlane && lasting.every((f) => ADDON_MANIFEST.test(f.path))) {
    return {
      verdict: 'in-place',
      reason: 'cluster addon manifests changed: the first control plane applies them once, at bootstrap',
      action: `kubectl apply -f the changed manifests of nodes/${name}/ (or kspray render, then apply them from the payload)`,
    };
  }
  return {
    verdict: 'replace',
    reason: 'files that running machines use changed: they keep the old ones until replaced; new machines get the new ones',
    action: kind === 'pool' ? `roll the pool's instances onto the new payload (e.g. an instance refresh of ${name}'s group)` : `replace ${name} (kspray remove-node ${name}, then boot it from its new payload)`,
  };
}

/**
 * Compares a render with the previous outputs. Pure: the caller reads the disk (cli/commands/diff.ts).
 */
export function diffRender(r: Rendered, prev: PreviousOutputs, bundleAdditions: string[]): DiffReport {
  const nodes: NodeDiff[] = [];
  const current = new Set(r.plans.map((p) => p.node.name));
  for (const plan of r.plans) {
    const name = plan.node.name;
    const oldPayload = previousPayload(prev, name);
    const newPayload = r.ignitionConfigs.get(name) ?? r.cloudInitFull.get(name)?.userData ?? r.payloads.get(name)!;
    if (oldPayload === undefined) {
      const files = [...payloadFiles(newPayload)].map(([path, f]): FileChange => ({ path, change: 'added', modeAfter: octal(f.mode), bytesAfter: Buffer.byteLength(f.content), secret: isSecretFile(path, plan.files.get(path)), specPaths: plan.files.get(path) ? [plan.files.get(path)!.origin.join('.')] : [], ...(plan.files.get(path) ? { builder: plan.files.get(path)!.builder } : {}) }));
      nodes.push({
        node: name,
        kind: plan.node.kind,
        verdict: 'new',
        reason: 'not in the previous outputs',
        action: plan.node.kind === 'pool' ? `launch the pool from ${payloadRelPath(r, name)}` : `boot ${name} from ${payloadRelPath(r, name)} (kspray scale mints a fresh join token if the old one expired)`,
        files,
      });
      continue;
    }
    // The same payload writes the same files: an unchanged node costs a string comparison, not two YAML parses;
    // a changed one, the parse of the files that differ.
    const read = oldPayload === newPayload ? undefined : changedPayloadFiles(oldPayload, newPayload);
    const files = read ? fileChanges(plan, read.before, read.after, previousProvenance(prev, name)) : [];
    // delivery fetch: the secret files travel in an archive; name a change, never show it.
    for (const f of r.served.get(name) ?? []) {
      const old = prev.read(`fetch/${f.relPath}`);
      if (!old || !old.equals(Buffer.from(f.content))) files.push({ path: '(secrets archive)', change: old ? 'changed' : 'added', secret: true, specPaths: ['spec.secrets'] });
    }
    // node.env is among the files only when it changed, and with it the version.
    const versions = read ? { before: envValue(read.before, 'KSPRAY_KUBERNETES_VERSION'), after: envValue(read.after, 'KSPRAY_KUBERNETES_VERSION') } : {};
    nodes.push({ node: name, kind: plan.node.kind, ...verdictFor(name, plan.node.isControlPlane, plan.node.kind, files, versions), files });
  }
  for (const name of prev.nodeNames.filter((n) => !current.has(n)).sort()) {
    nodes.push({ node: name, verdict: 'remove', reason: 'no longer in the spec', action: `kspray remove-node ${name} (drain, etcd member remove, delete), then release the machine`, files: [] });
  }
  const changed = nodes.some((n) => n.verdict !== 'unchanged') || bundleAdditions.length > 0;
  return { apiVersion: 'kspray.dev/v1alpha1', kind: 'Diff', cluster: r.model.name, changed, nodes, bundle: { additions: bundleAdditions } };
}

/** The report as people read it. */
export function formatDiff(d: DiffReport): string {
  const lines: string[] = [];
  for (const n of d.nodes) {
    lines.push(`${n.node}${n.kind === 'pool' ? ' (pool)' : ''}: ${n.verdict}${n.verdict === 'unchanged' ? '' : ` — ${n.reason}`}`);
    if (n.action) lines.push(`  → ${n.action}`);
    if (n.verdict === 'new') {
      lines.push(`  ${n.files.length} files`);
      continue;
    }
    for (const f of n.files) {
      const sign = f.change === 'added' ? '+' : f.change === 'removed' ? '-' : '~';
      const mode = f.modeBefore && f.modeAfter && f.modeBefore !== f.modeAfter ? ` mode ${f.modeBefore} → ${f.modeAfter}` : ` ${f.modeAfter ?? f.modeBefore ?? ''}`;
      const size = f.bytesBefore !== undefined && f.bytesAfter !== undefined ? ` ${f.bytesBefore} → ${f.bytesAfter} B` : f.bytesAfter !== undefined ? ` ${f.bytesAfter} B` : f.bytesBefore !== undefined ? ` ${f.bytesBefore} B` : '';
      lines.push(`  ${sign} ${f.path}${mode}${size}${f.specPaths.length ? `  (${f.specPaths.join(', ')})` : ''}${f.secret ? '  [secret: content not shown]' : ''}`);
      for (const c of f.diff ?? []) lines.push(`      ${c.op}${String(c.line).padStart(4)} ${c.text}`);
      if (f.moreLines) lines.push(`      … ${f.moreLines} more changed lines`);
    }
  }
  if (d.bundle.additions.length) lines.push(`secrets bundle: a render would add ${d.bundle.additions.length} file(s): ${d.bundle.additions.join(', ')}`);
  lines.push(d.changed ? `kspray diff: ${d.nodes.filter((n) => n.verdict !== 'unchanged').length} of ${d.nodes.length} node(s)/pool(s) differ` : 'kspray diff: no differences: the outputs are up to date with the spec');
  return `${lines.join('\n')}\n`;
}

/** The JSON Schema of `kspray diff --output json` (schema/diff.schema.json, kept in sync by a test). */
export function diffJsonSchema(): unknown {
  const schema = z.toJSONSchema(diffReportSchema) as Record<string, unknown>;
  return { ...schema, $id: 'https://kspray.dev/schemas/v1alpha1/diff.json', title: 'kspray diff report (v1alpha1)' };
}
