// The Debian 12 image the VM test boots: built once by build-image.sh from Debian's packages and
// cached between runs on this machine under a key of the package list and the scripts' bytes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { osProfile } from '../../src/plan/osProfile.js';

const HERE = new URL('.', import.meta.url).pathname;
const BUILD_SCRIPT = join(HERE, 'build-image.sh');
const PROBE_SCRIPT = join(HERE, 'guest-probe.sh');

/** What Debian's cloud images bring that a minbase debootstrap does not, and the boot needs. */
const IMAGE_PACKAGES = [
  'systemd-sysv', // init, journald, logind
  'linux-image-amd64', // the kernel and initrd qemu boots directly
  'cloud-init',
  'python3-cffi-backend', // without it debootstrap leaves cloud-init unconfigured
  'locales', // cloud-init's locale module generates en_US.UTF-8 (build-image.sh does it up front)
  'ifupdown', // cloud-init's ENI renderer on Debian
  'isc-dhcp-client', // the network-config keeps DHCP next to the node address (no --gateway)
  'dbus', // hostnamectl (cloud-init's set_hostname) talks to systemd-hostnamed over D-Bus
  'udev',
  'kmod', // modprobe, for prepare-os
  'iproute2',
  'procps', // sysctl, for prepare-os
  'netbase',
  'openssh-server', // as on Debian's cloud images: cloud-init's ssh and set_passwords modules expect it
];

/** The image's packages: the boot's own and what kspray's debian-12 profile expects on a cloud image. */
export function imagePackages(): string[] {
  return [...new Set([...IMAGE_PACKAGES, ...osProfile('debian-12').packages])].sort();
}

/** Downloaded .debs, kept next to the images so a rebuild (new key) downloads only what changed. */
const DEB_CACHE = 'debs';

export interface VmImage {
  dir: string;
  rootfs: string;
  kernel: string;
  initrd: string;
  /** Seconds spent building; 0 when the cached image was used. */
  builtIn: number;
}

export const cacheRoot = (): string => process.env.KSPRAY_VM_CACHE ?? join(homedir(), '.cache', 'kspray', 'vm');

export function imageKey(packages = imagePackages()): string {
  const h = createHash('sha256');
  h.update(readFileSync(BUILD_SCRIPT)).update('\0').update(readFileSync(PROBE_SCRIPT)).update('\0').update(packages.join('\n'));
  return h.digest('hex').slice(0, 16);
}

export function onPath(tool: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].filter(Boolean);
  return dirs.map((d) => join(d, tool)).find((p) => existsSync(p));
}

/** Why the VM test cannot run here, or undefined when it can. */
export function vmUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the VM test boots an amd64 guest on Linux x86-64 (this is ${process.platform}/${process.arch})`;
  const tools = ['qemu-system-x86_64', 'debugfs', 'xorriso'];
  const key = imageKey();
  const cached = existsSync(join(cacheRoot(), key, 'rootfs.img'));
  if (!cached) tools.push('debootstrap', 'mkfs.ext4', 'chroot');
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length) return `missing ${missing.join(', ')} (Debian: apt-get install qemu-system-x86 qemu-utils debootstrap e2fsprogs xorriso)`;
  if (!cached && process.getuid?.() !== 0) return `building the VM image needs root (debootstrap, chroot); no cached image under ${cacheRoot()}`;
  return undefined;
}

/** The cached image, built first if needed (as root; several minutes). Older keys are removed. */
export async function ensureImage(log: (line: string) => void): Promise<VmImage> {
  const packages = imagePackages();
  const key = imageKey(packages);
  const dir = join(cacheRoot(), key);
  const image = { dir, rootfs: join(dir, 'rootfs.img'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img') };
  if ([image.rootfs, image.kernel, image.initrd].every((p) => existsSync(p))) {
    log(`vm image: cached ${dir}`);
    return { ...image, builtIn: 0 };
  }
  const started = Date.now();
  log(`vm image: building ${dir} (${packages.join(' ')})`);
  const logFile = join(cacheRoot(), `${key}.build.log`);
  // A fresh machine (CI) has no cache directory yet: the log's stream would fail asynchronously.
  mkdirSync(cacheRoot(), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(logFile);
    const env = { ...process.env, KSPRAY_VM_DEB_CACHE: join(cacheRoot(), DEB_CACHE) };
    const child = spawn('bash', [BUILD_SCRIPT, dir, ...packages], { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.on('data', (d: Buffer) => (out.write(d), d.toString().split('\n').filter(Boolean).forEach(log)));
    child.stderr.pipe(out);
    child.on('error', reject);
    child.on('close', (code) => {
      out.end();
      if (code === 0) resolve();
      else reject(new Error(`build-image.sh exited ${code}: see ${logFile}\n${safeTail(logFile)}`));
    });
  });
  for (const other of readdirSync(cacheRoot())) {
    if (other !== key && other !== DEB_CACHE && !other.startsWith(`${key}.`)) rmSync(join(cacheRoot(), other), { recursive: true, force: true });
  }
  return { ...image, builtIn: Math.round((Date.now() - started) / 1000) };
}

function safeTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}
