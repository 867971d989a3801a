// The summary printed after a render: raw and gzipped payload per node, and what the chosen provider
// receives against its limit (render refuses, before writing, a payload over it). One set of
// rows, two renderings: the table on stderr, and `render --output json` (schema/render-summary.schema.json).
import { z } from 'zod';
import { payloadFormat, type PayloadFormat, type Rendered } from '../rendered.js';
import { payloadGzip } from '../emit/cloudInit.js';
import { PROVIDERS, PROVIDER_FORMATS, fits, type Encoding, type Packaged, type Provider } from '../emit/providers/index.js';
import { reportHeader, reportJsonSchema } from '../text/jsonReport.js';

const PAYLOAD_FORMATS = ['cloud-init', 'cloud-init-pointer', 'ignition', 'ignition-pointer'] as const satisfies readonly PayloadFormat[];
const ENCODINGS = ['raw', 'gzip', 'base64', 'gzip+base64'] as const satisfies readonly Encoding[];

const summaryNodeSchema = z.object({
  node: z.string(),
  kind: z.enum(['node', 'pool']),
  count: z.number().int().positive().describe('Machines that boot this payload: 1 for a node, the pool\'s count for a pool.'),
  role: z.enum(['control-plane (init)', 'control-plane', 'worker', 'etcd']),
  os: z.string(),
  payload: z.enum(PAYLOAD_FORMATS).describe('What the machine boots from: a full config, or a pointer to nodes/<node>/config.ign or payload.tar served over https (bytes are then the pointer\'s).'),
  bytes: z.number().int().nonnegative(),
  gzipBytes: z.number().int().nonnegative(),
  delivery: z
    .object({
      encoding: z.enum(ENCODINGS).describe('What the cloud\'s user-data field receives.'),
      sentBytes: z.number().int().nonnegative().describe('The number the cloud checks against its limit.'),
      limitBytes: z.number().int().positive().optional().describe('Absent when the provider enforces none.'),
      fits: z.boolean().describe('Always true in a written render: one that does not fit is refused before anything is written.'),
    })
    .describe('The payload as packaged for the provider.'),
});

export const renderSummarySchema = z.object({
  ...reportHeader('RenderSummary'),
  cluster: z.string(),
  outputDir: z.string().describe('Where render wrote the outputs (outputs/<cluster>).'),
  provider: z.enum(PROVIDERS).describe('The cloud the payloads were packaged for (--provider, else spec.provider.name).'),
  providerLimit: z.string().describe('That cloud\'s user-data limit, in words.'),
  nodes: z.array(summaryNodeSchema),
});

export type RenderSummary = z.infer<typeof renderSummarySchema>;
type SummaryNode = z.infer<typeof summaryNodeSchema>;

/** Every node is packaged for the provider before a render writes anything (render --provider, else spec.provider.name). */
export function renderSummary(r: Rendered, outputDir: string, provider: Provider, packaged: Packaged[]): RenderSummary {
  const byNode = new Map(packaged.map((p) => [p.node, p]));
  const nodes = r.plans.map((p): SummaryNode => {
    const payload = r.payloads.get(p.node.name)!;
    const pk = byNode.get(p.node.name);
    if (!pk) throw new Error(`render summary: ${p.node.name} was not packaged for ${provider}`);
    const role = p.node.isFirstControlPlane ? 'control-plane (init)' : p.node.isControlPlane ? 'control-plane' : p.node.roles.includes('worker') ? 'worker' : 'etcd';
    return {
      node: p.node.name,
      kind: p.node.kind,
      count: p.node.kind === 'pool' ? p.node.count : 1,
      role,
      os: p.node.os,
      payload: payloadFormat(r, p.node.name),
      bytes: Buffer.byteLength(payload),
      gzipBytes: payloadGzip(r, p.node.name).length,
      delivery: { encoding: pk.encoding, sentBytes: pk.measured, ...(pk.limit === undefined ? {} : { limitBytes: pk.limit }), fits: fits(pk) },
    };
  });
  return { apiVersion: 'kspray.dev/v1alpha1', kind: 'RenderSummary', cluster: r.model.name, outputDir, provider, providerLimit: PROVIDER_FORMATS[provider].limitLabel, nodes };
}

const fitsHeader = (limitLabel: string) => (limitLabel === 'none' ? 'limit: none' : `fits ${limitLabel}`);

export function sizeTable(s: RenderSummary): string {
  const rows = s.nodes.map((n) => {
    const name = n.kind === 'pool' ? `${n.node} (pool x${n.count})` : n.node;
    const ok = n.delivery.fits ? (n.delivery.limitBytes === undefined ? '-' : 'yes') : 'NO';
    return [name, n.role, n.os, n.payload, String(n.bytes), String(n.gzipBytes), n.delivery.encoding, String(n.delivery.sentBytes), ok];
  });
  const header = ['node', 'role', 'os', 'payload', 'bytes', 'gzip', `${s.provider} encoding`, 'sent', fitsHeader(s.providerLimit)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** schema/render-summary.schema.json. */
export const renderSummaryJsonSchema = () => reportJsonSchema(renderSummarySchema, 'render-summary', 'kspray render --output json (v1alpha1)');
