// The end of every bake, before the image is captured: an image test (the image holds exactly what
// the install phases promise) and the seal (nothing of the build's own access survives: its user,
// sudoers entry, password SSH, authorized keys, host keys, cloud-init's instance state). Both end in
// checks that fail the provisioner, so a broken or still-open image is never captured — the same
// idea as image-builder's goss step and its build-user removal.
import { createHash } from 'node:crypto';
import type { PlanFile } from '../../plan/nodePlan.js';
import { shellQuote as shq } from '../../text/shell.js';

/**
 * The user a build logs in as where the vendor image has no login of its own to offer (qemu: a
 * NoCloud seed; vsphere-clone: guestinfo user-data), created for the build and removed by the seal.
 */
export const BUILD_USER = 'packer';
/** @deprecated BUILD_USER (qemu and vsphere-clone both create it). */
export const QEMU_BUILD_USER = BUILD_USER;

interface Download {
  id: string;
  sha256: string;
}

function downloadsOf(files: PlanFile[]): Download[] {
  const tsv = files.find((f) => f.path === '/etc/kspray/downloads.tsv');
  if (!tsv) return [];
  return String(tsv.content)
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split('\t'))
    .map(([id, , sha256]) => ({ id: id!, sha256: sha256! }));
}

const installEnvValue = (env: Array<[string, string]>, key: string, fallback: string) => env.find(([k]) => k === key)?.[1] || fallback;

/**
 * The image test: every baked file with its mode and sha256; each raw binary download installed
 * byte for byte (its sha256 is the catalog's); the runtime's binaries runnable; the units enabled;
 * the install phases recorded. Runs as root on the build VM after the install phases.
 */
export function imageTestCommands(files: PlanFile[], installEnv: Array<[string, string]>): string[] {
  const bin = installEnvValue(installEnv, 'KSPRAY_BIN_DIR', '/usr/local/bin');
  const runtime = installEnvValue(installEnv, 'KSPRAY_CONTAINER_RUNTIME', 'containerd');
  const ownContainerd = installEnvValue(installEnv, 'KSPRAY_INSTALL_CONTAINERD', 'yes') === 'yes' && runtime === 'containerd';
  const fail = (what: string) => `{ echo ${shq(`kspray image test: ${what}`)} >&2; exit 1; }`;
  const cmds: string[] = [];
  for (const f of files) {
    const mode = f.mode.toString(8);
    const sha = sha256Hex(f.content);
    cmds.push(`[ "$(stat -c %a ${shq(f.path)})" = ${mode} ] || ${fail(`${f.path} is not mode ${mode}`)}`);
    cmds.push(`echo ${shq(`${sha}  ${f.path}`)} | sha256sum -c --quiet - || ${fail(`${f.path} differs from the plan`)}`);
  }
  const raw: Record<string, string> = { kubeadm: `${bin}/kubeadm`, kubelet: `${bin}/kubelet`, kubectl: `${bin}/kubectl`, ...(ownContainerd ? { runc: '/usr/local/sbin/runc' } : {}) };
  for (const d of downloadsOf(files)) {
    const path = raw[d.id];
    if (!path) continue;
    cmds.push(`echo ${shq(`${d.sha256}  ${path}`)} | sha256sum -c --quiet - || ${fail(`${path} is not the catalog's ${d.id}`)}`);
  }
  cmds.push(`${shq(`${bin}/crictl`)} --version >/dev/null || ${fail('crictl does not run')}`);
  cmds.push(`[ -x /opt/cni/bin/loopback ] || ${fail('CNI plugins missing from /opt/cni/bin')}`);
  if (runtime === 'cri-o') cmds.push(`${shq(`${bin}/crio`)} --version >/dev/null || ${fail('crio does not run')}`);
  else cmds.push(`containerd --version >/dev/null || ${fail('containerd does not run')}`);
  for (const unit of [runtime === 'cri-o' ? 'crio' : 'containerd', 'kubelet']) {
    cmds.push(`systemctl is-enabled --quiet ${unit} || ${fail(`${unit} is not enabled`)}`);
  }
  for (const phase of ['install-runtime', 'install-kubernetes']) {
    cmds.push(`[ -e /var/lib/kspray/phases/${phase} ] || ${fail(`phase ${phase} did not finish`)}`);
  }
  return cmds;
}

/** What the build leaves of its own that every node booted from the image must not have. */
function sealCommands(buildUser: string | undefined): string[] {
  return [
    // Every node booted from the image is a new instance: fresh cloud-init state and machine-id.
    'cloud-init clean --logs --seed',
    'rm -f /var/lib/kspray/status',
    'truncate -s 0 /etc/machine-id',
    'rm -f /var/lib/dbus/machine-id',
    // The build's SSH access: keys the cloud injected for the build session, and host keys (each
    // node makes its own at first boot through cloud-init's ssh module).
    "find /root /home -path '*/.ssh/authorized_keys' -delete",
    'rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub',
    ...(buildUser
      ? [
          // qemu and vsphere-clone: the build's own login user, its sudoers entry and the password SSH that
          // cloud-init's ssh_pwauth turned on for it.
          `userdel --force --remove ${buildUser} 2>/dev/null || true`,
          `rm -f /etc/sudoers.d/90-cloud-init-users /etc/ssh/sshd_config.d/50-cloud-init.conf`,
          `sed -i -E 's/^[#[:space:]]*PasswordAuthentication[[:space:]].*/PasswordAuthentication no/' /etc/ssh/sshd_config`,
        ]
      : []),
    'sync',
  ];
}

/** Checks after the seal: the build fails here rather than capture an image that still lets it in. */
function sealChecks(buildUser: string | undefined): string[] {
  const fail = (what: string) => `{ echo ${shq(`kspray seal check: ${what}`)} >&2; exit 1; }`;
  return [
    `! find /root /home -path '*/.ssh/authorized_keys' | grep -q . || ${fail('authorized_keys left')}`,
    `! ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1 || ${fail('SSH host keys left')}`,
    `[ ! -e /var/lib/cloud/instance ] || ${fail("cloud-init's instance state left")}`,
    `[ ! -s /etc/machine-id ] || ${fail('machine-id left')}`,
    `! grep -Eiqs '^[[:space:]]*PasswordAuthentication[[:space:]]+yes' /etc/ssh/sshd_config /etc/ssh/sshd_config.d/* || ${fail('password SSH left on')}`,
    ...(buildUser
      ? [
          `! getent passwd ${buildUser} >/dev/null || ${fail(`build user ${buildUser} left`)}`,
          `! grep -rqsw ${buildUser} /etc/sudoers /etc/sudoers.d || ${fail(`sudoers entry for ${buildUser} left`)}`,
        ]
      : []),
  ];
}

/**
 * The seal as shell commands. Cloud builders run it as their last provisioner (their login is the
 * vendor's default user, whose injected key it removes). qemu runs it as its shutdown command,
 * because it deletes the very user the build logs in as: the checks come last and `shutdown` only
 * runs when they pass, so a failed seal leaves Packer waiting for a shutdown that never comes and
 * the build fails without an image.
 */
export function sealScript(buildUser?: string): string[] {
  return [...sealCommands(buildUser), ...sealChecks(buildUser)];
}

function sha256Hex(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}
