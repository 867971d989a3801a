// The cloud-init pointer form (spec.cloudInit.payloadUrlBase), for payloads over a cloud's user-data
// limit: the node boots from a small #cloud-config that downloads every file of its payload as one
// tar archive (<base>/<node>/payload.tar), checks the archive against the sha256 the pointer pins,
// unpacks it with modes and starts the bootstrap unit, as the full payload's runcmd would have.
// cloud-init's own `#include` cannot check a hash, so a swapped file on the server would run; this can't.
// Hostname and SSH keys stay in the pointer (cloud-init modules that run before runcmd).
import { createHash } from 'node:crypto';
import type { NodePlan } from '../plan/nodePlan.js';
import { sortedFiles } from '../plan/nodePlan.js';
import { shellQuote } from '../text/shell.js';
import { toYaml } from '../text/yaml.js';
import { cloudConfigObject } from './cloudInit.js';
import { tarArchive } from './tar.js';

export const PAYLOAD_ARCHIVE = 'payload.tar';
export const payloadArchiveUrl = (base: string, node: string): string => `${base}/${node}/${PAYLOAD_ARCHIVE}`;

/** Every file the full payload writes (path order, modes kept): what write_files would have written. */
export function payloadArchive(plan: NodePlan): Buffer {
  return tarArchive(sortedFiles(plan).map((f) => ({ path: f.path.slice(1), content: f.content, mode: f.mode })));
}

/**
 * The pointer #cloud-config. Its one runcmd entry retries the download (curl's own retries: the
 * network may come up late), verifies, unpacks, deletes the archive, then reloads systemd and starts
 * the units the full payload starts. Any failure fails runcmd, visible in cloud-init's log and status.
 */
export function cloudInitPointer(plan: NodePlan, url: string, archive: Buffer): string {
  const full = cloudConfigObject(plan);
  const sha = createHash('sha256').update(archive).digest('hex');
  const file = `/var/lib/kspray/${PAYLOAD_ARCHIVE}`;
  const script = [
    'set -eu',
    `mkdir -p /var/lib/kspray`,
    `curl -fsSL --retry 20 --retry-delay 5 --retry-all-errors --connect-timeout 20 -Y1 -y60 -o ${file} ${shellQuote(url)}`,
    `echo ${shellQuote(`${sha}  ${file}`)} | sha256sum -c --quiet -`,
    `tar -xpf ${file} -C /`,
    `rm -f ${file}`,
    'systemctl daemon-reload',
    ...plan.startUnits.map((u) => `systemctl enable --now --no-block ${shellQuote(u)}`),
  ].join('\n');
  const pointer: Record<string, unknown> = {};
  for (const key of ['hostname', 'preserve_hostname', 'ssh_authorized_keys']) if (key in full) pointer[key] = full[key];
  pointer.runcmd = [['sh', '-c', script]];
  return `#cloud-config\n${toYaml(pointer)}`;
}
