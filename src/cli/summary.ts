// The size table printed after a render: raw and gzipped payload per node against the 16 KiB
// EC2 user-data limit (the tightest of the clouds kspray targets).
import type { Rendered } from '../render.js';
import { gzipPayload } from '../emit/cloudInit.js';

export const EC2_USER_DATA_LIMIT = 16 * 1024;

export function sizeTable(r: Rendered): string {
  const rows = r.plans.map((p) => {
    const payload = r.payloads.get(p.node.name)!;
    const raw = Buffer.byteLength(payload);
    const gz = gzipPayload(payload).length;
    const role = p.node.isFirstControlPlane ? 'control-plane (init)' : p.node.isControlPlane ? 'control-plane' : 'worker';
    const fits = raw <= EC2_USER_DATA_LIMIT ? 'yes' : gz <= EC2_USER_DATA_LIMIT ? 'gzipped' : 'NO';
    return [p.node.kind === 'pool' ? `${p.node.name} (pool x${p.node.count})` : p.node.name, role, p.node.os, String(raw), String(gz), fits];
  });
  const header = ['node', 'role', 'os', 'bytes', 'gzip', 'fits EC2 16KiB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
