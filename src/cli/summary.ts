// The size table printed after a render: raw and gzipped payload per node, and what the chosen
// provider receives against its limit (EC2's 16 KiB is the tightest of the clouds kspray targets).
import { payloadFormat, type Rendered } from '../rendered.js';
import { payloadGzip } from '../emit/cloudInit.js';
import { EC2_USER_DATA_LIMIT, PROVIDER_FORMATS, fits, type Packaged } from '../emit/providers/index.js';

const fitsHeader = (limitLabel: string) => (limitLabel === 'none' ? 'limit: none' : `fits ${limitLabel}`);

export function sizeTable(r: Rendered, packaged?: Packaged[]): string {
  const byNode = new Map((packaged ?? []).map((p) => [p.node, p]));
  const provider = packaged?.[0]?.provider;
  const rows = r.plans.map((p) => {
    const payload = r.payloads.get(p.node.name)!;
    const raw = Buffer.byteLength(payload);
    const role = p.node.isFirstControlPlane
      ? 'control-plane (init)'
      : p.node.isControlPlane
        ? 'control-plane'
        : p.node.roles.includes('worker')
          ? 'worker'
          : 'etcd';
    const name = p.node.kind === 'pool' ? `${p.node.name} (pool x${p.node.count})` : p.node.name;
    const pk = byNode.get(p.node.name);
    // The one gzip of the payload (shared with the packaging and user-data.gz).
    const gz = payloadGzip(r, p.node.name).length;
    // cloud-init, ignition, or ignition-pointer (bytes are then the pointer's; config.ign is served).
    const format = payloadFormat(r, p.node.name);
    if (!pk) {
      // Ignition does not gunzip user data: only its raw size counts.
      const fitsEc2 = raw <= EC2_USER_DATA_LIMIT ? 'yes' : gz <= EC2_USER_DATA_LIMIT && format.startsWith('cloud-init') ? 'gzipped' : 'NO';
      return [name, role, p.node.os, format, String(raw), String(gz), fitsEc2];
    }
    const ok = fits(pk) ? (pk.limit === undefined ? '-' : 'yes') : 'NO';
    return [name, role, p.node.os, format, String(raw), String(gz), pk.encoding, String(pk.measured), ok];
  });
  const header = provider
    ? ['node', 'role', 'os', 'payload', 'bytes', 'gzip', `${provider} encoding`, 'sent', fitsHeader(PROVIDER_FORMATS[provider].limitLabel)]
    : ['node', 'role', 'os', 'payload', 'bytes', 'gzip', 'fits EC2 16KiB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
