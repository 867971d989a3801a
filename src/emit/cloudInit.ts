// NodePlan → #cloud-config (cloud-init). Files go in write_files (which runs before any unit can
// start), then runcmd enables and starts the bootstrap unit without blocking cloud-init.
import { gzipSync } from 'node:zlib';
import type { NodePlan } from '../plan/nodePlan.js';
import { sortedFiles } from '../plan/nodePlan.js';
import { toYaml } from '../text/yaml.js';
import type { Rendered } from '../rendered.js';

export function cloudConfigObject(plan: NodePlan): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  // Fixed nodes get their spec name as hostname so kubelet, certificates and etcd agree; pool
  // members keep the hostname the cloud gives them.
  if (plan.node.kind === 'node') {
    config.hostname = plan.node.name;
    config.preserve_hostname = false;
  }
  if (plan.sshAuthorizedKeys.length) config.ssh_authorized_keys = plan.sshAuthorizedKeys;
  config.write_files = sortedFiles(plan).map((f) => ({
    path: f.path,
    owner: 'root:root',
    permissions: `0${f.mode.toString(8)}`,
    content: f.content,
  }));
  config.runcmd = [
    ['systemctl', 'daemon-reload'],
    ...plan.startUnits.map((u) => ['systemctl', 'enable', '--now', '--no-block', u]),
  ];
  return config;
}

export function emitCloudInit(plan: NodePlan): string {
  // The document is unique to the node (its hostname), most of its files are not: text/yaml.ts keeps
  // each distinct scalar's text, so a file every worker has is printed once, not once per worker.
  return `#cloud-config\n${toYaml(cloudConfigObject(plan))}`;
}

/**
 * cloud-init detects gzip by its magic bytes, so the compressed payload needs no MIME wrapper.
 * Level 6 (zlib's default), not 9: measured on the HA example's 7 payloads (235 KB), level 9 took
 * 11.7 ms of CPU for 71,299 B and level 6 3.4 ms for 71,501 B (+0.3%; the first control plane
 * 16,585 → 16,710 B). At 1,000 workers level 9 was 4–5.6× the CPU of level 6 for 5–115 bytes a payload.
 * DO NOT change the level lightly: every user-data.gz (and its golden) changes with it.
 */
export function gzipPayload(payload: string): Buffer {
  // Node's zlib writes mtime 0 and a fixed OS byte, so the same payload always gzips the same.
  return gzipSync(Buffer.from(payload, 'utf8'), { level: 6 });
}

const gzipped = new WeakMap<Rendered, Map<string, Buffer>>();

/**
 * The payload of `node` gzipped, made once per render: user-data.gz, the size table, `--node --gzip`
 * and the provider packaging all read this one (they used to gzip it three times).
 */
export function payloadGzip(r: Rendered, node: string): Buffer {
  let byNode = gzipped.get(r);
  if (!byNode) gzipped.set(r, (byNode = new Map()));
  let gz = byNode.get(node);
  if (!gz) byNode.set(node, (gz = gzipPayload(r.payloads.get(node)!)));
  return gz;
}
