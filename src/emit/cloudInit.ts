// NodePlan → #cloud-config (cloud-init). Files go in write_files (which runs before any unit can
// start), then runcmd enables and starts the bootstrap unit without blocking cloud-init.
import { gzipSync } from 'node:zlib';
import type { NodePlan } from '../plan/nodePlan.js';
import { sortedFiles } from '../plan/nodePlan.js';
import { toYaml } from '../text/yaml.js';

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
  return `#cloud-config\n${toYaml(cloudConfigObject(plan))}`;
}

/** cloud-init detects gzip by its magic bytes, so the compressed payload needs no MIME wrapper. */
export function gzipPayload(payload: string): Buffer {
  // Node's zlib writes mtime 0 and a fixed OS byte, so the same payload always gzips the same.
  return gzipSync(Buffer.from(payload, 'utf8'), { level: 9 });
}
