// The summary printed after a render: raw and gzipped payload per node, and what the chosen provider
// receives against its limit (EC2's 16 KiB is the tightest of the clouds kspray targets). One set of
// rows, two renderings: the table on stderr, and `render --output json` (schema/render-summary.schema.json).
import { z } from 'zod';
import { payloadFormat, type PayloadFormat, type Rendered } from '../rendered.js';
import { payloadGzip } from '../emit/cloudInit.js';
import { EC2_USER_DATA_LIMIT, PROVIDERS, PROVIDER_FORMATS, fits, type Encoding, type Packaged } from '../emit/providers/index.js';
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
      fits: z.boolean(),
    })
    .optional()
    .describe('The payload as packaged for the provider; absent when nothing was packaged.'),
  fitsEc2UserData: z.enum(['yes', 'gzipped', 'no']).optional().describe('Without a provider: whether the payload fits EC2\'s 16 KiB as is or gzipped (Ignition is not gunzipped).'),
});

export const renderSummarySchema = z.object({
  ...reportHeader('RenderSummary'),
  cluster: z.string(),
  outputDir: z.string().describe('Where render wrote the outputs (outputs/<cluster>).'),
  provider: z.enum(PROVIDERS).optional().describe('The cloud the payloads were packaged for (--provider, else spec.provider.name).'),
  providerLimit: z.string().optional().describe('That cloud\'s user-data limit, in words.'),
  nodes: z.array(summaryNodeSchema),
});

export type RenderSummary = z.infer<typeof renderSummarySchema>;
type SummaryNode = z.infer<typeof summaryNodeSchema>;

export function renderSummary(r: Rendered, outputDir: string, packaged?: Packaged[]): RenderSummary {
  const byNode = new Map((packaged ?? []).map((p) => [p.node, p]));
  const provider = packaged?.[0]?.provider;
  const nodes = r.plans.map((p): SummaryNode => {
    const payload = r.payloads.get(p.node.name)!;
    const bytes = Buffer.byteLength(payload);
    // The one gzip of the payload (shared with the packaging and user-data.gz).
    const gzipBytes = payloadGzip(r, p.node.name).length;
    const role = p.node.isFirstControlPlane ? 'control-plane (init)' : p.node.isControlPlane ? 'control-plane' : p.node.roles.includes('worker') ? 'worker' : 'etcd';
    const format = payloadFormat(r, p.node.name);
    const row = { node: p.node.name, kind: p.node.kind, count: p.node.kind === 'pool' ? p.node.count : 1, role, os: p.node.os, payload: format, bytes, gzipBytes } as const;
    const pk = byNode.get(p.node.name);
    if (pk) return { ...row, delivery: { encoding: pk.encoding, sentBytes: pk.measured, ...(pk.limit === undefined ? {} : { limitBytes: pk.limit }), fits: fits(pk) } };
    // Ignition does not gunzip user data: only its raw size counts.
    const fitsEc2UserData = bytes <= EC2_USER_DATA_LIMIT ? 'yes' : gzipBytes <= EC2_USER_DATA_LIMIT && format.startsWith('cloud-init') ? 'gzipped' : 'no';
    return { ...row, fitsEc2UserData };
  });
  return {
    apiVersion: 'kspray.dev/v1alpha1',
    kind: 'RenderSummary',
    cluster: r.model.name,
    outputDir,
    ...(provider ? { provider, providerLimit: PROVIDER_FORMATS[provider].limitLabel } : {}),
    nodes,
  };
}

const fitsHeader = (limitLabel: string) => (limitLabel === 'none' ? 'limit: none' : `fits ${limitLabel}`);

export function sizeTable(s: RenderSummary): string {
  const rows = s.nodes.map((n) => {
    const name = n.kind === 'pool' ? `${n.node} (pool x${n.count})` : n.node;
    const cells = [name, n.role, n.os, n.payload, String(n.bytes), String(n.gzipBytes)];
    if (!n.delivery) return [...cells, n.fitsEc2UserData === 'no' ? 'NO' : n.fitsEc2UserData!];
    const ok = n.delivery.fits ? (n.delivery.limitBytes === undefined ? '-' : 'yes') : 'NO';
    return [...cells, n.delivery.encoding, String(n.delivery.sentBytes), ok];
  });
  const header = s.provider
    ? ['node', 'role', 'os', 'payload', 'bytes', 'gzip', `${s.provider} encoding`, 'sent', fitsHeader(s.providerLimit!)]
    : ['node', 'role', 'os', 'payload', 'bytes', 'gzip', 'fits EC2 16KiB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** schema/render-summary.schema.json. */
export const renderSummaryJsonSchema = () => reportJsonSchema(renderSummarySchema, 'render-summary', 'kspray render --output json (v1alpha1)');
