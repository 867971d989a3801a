// The real consumer: Debian's Ignition 2.14 (the `ignition` binary of its dracut module, the same
// program Flatcar and FCOS run in their initramfs) executes the generated configs into a temp root
// with `-platform file`: the fetch stage follows a pointer config over HTTP and checks its sha512,
// the files stage writes files, directories, units, drop-ins, the preset and the core user's keys.
// The tree it leaves must be the plan, byte for byte and mode for mode.
// Needs root (Ignition chowns to root and runs useradd --root); skipped otherwise.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointerConfig } from '../../src/emit/ignition.js';
import { FLATCAR_INSTALL_SCRIPT, FLATCAR_INSTALL_UNIT, flatcarInstallIgnition } from '../../src/emit/pxe/install.js';
import type { Rendered } from '../../src/render.js';
import { loadExample, renderFixture } from '../helpers/fixtures.js';
import { haveTool, requireValidators, tool } from '../helpers/validators.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/**
 * Ignition writes a real root tree (ownership, modes, users): it needs root. CI runs as root
 * (.ci/run); elsewhere these tests skip, except under KSPRAY_REQUIRE_VALIDATORS=1, where not being
 * root fails the run instead of passing it with nothing run.
 */
function rootOrRequired(): boolean {
  if (isRoot) return true;
  if (requireValidators) throw new Error('the Ignition run needs root (KSPRAY_REQUIRE_VALIDATORS=1): run .ci/run as root');
  return false;
}

interface Ran {
  ok: boolean;
  log: string;
  root: string;
}

/** True if a user other than root, not in root's group, can traverse every directory down to `dir`. */
function othersCanReach(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/**
 * Ignition runs in an initramfs whose / is 0755, with the target under it. When this machine's own
 * path to the temp dir is closed to other users (a / or /var at 0700), core (uid 1000 in the temp
 * root) cannot reach its home from here, so Ignition runs chrooted into a private mount namespace
 * whose / is a 0755 tmpfs holding the host's /usr, /etc, /dev, /proc and the temp dir bound at its
 * own path: every path Ignition sees and logs is the same, and it still writes the keys as core.
 */
const PRIVATE_ROOT = `set -eu
umask 022
n="$1"; d="$2"; shift 2
mount -t tmpfs -o mode=0755 kspray-ignite "$n"
for t in bin sbin lib lib32 lib64 libx32 usr etc dev proc; do
  if [ -L "/$t" ]; then ln -s "$(readlink "/$t")" "$n/$t"
  elif [ -d "/$t" ]; then mkdir "$n/$t"; mount --rbind "/$t" "$n/$t"; fi
done
mkdir -p "$n$d"
mount --bind "$d" "$n$d"
exec chroot "$n" "$@"
`;

/** Runs one Ignition stage sequence against `configText` into a fresh root. */
async function ignite(configText: string, stages: string[]): Promise<Ran> {
  // Ignition writes the core user's keys as that user: every directory on the path must be
  // traversable by it, and some machines keep /tmp at 0700 (then /var/tmp, 1777 by the FHS).
  const base = statSync(tmpdir()).mode & 0o001 ? tmpdir() : '/var/tmp';
  const dir = mkdtempSync(join(base, 'kspray-ignite-'));
  chmodSync(dir, 0o755);
  const root = join(dir, 'root');
  const runDir = join(dir, 'run');
  mkdirSync(join(root, 'etc', 'selinux'), { recursive: true });
  chmodSync(root, 0o755); // whatever the umask (0077 on some machines): core must reach root/home/core
  mkdirSync(runDir);
  mkdirSync(join(dir, 'ns')); // the private root's mount point, if one is needed (see PRIVATE_ROOT)
  // Debian builds Ignition with SELinux relabelling: a disabled policy and a no-op setfiles satisfy it.
  writeFileSync(join(root, 'etc', 'selinux', 'config'), 'SELINUX=disabled\nSELINUXTYPE=targeted\n');
  const stub = join(dir, 'bin');
  mkdirSync(stub);
  writeFileSync(join(stub, 'setfiles'), '#!/bin/sh\ncat >/dev/null\n');
  chmodSync(join(stub, 'setfiles'), 0o755);
  writeFileSync(join(dir, 'user.ign'), configText);
  const env = { ...process.env, PATH: `${stub}:${process.env.PATH}`, IGNITION_CONFIG_FILE: join(dir, 'user.ign') };
  const common = ['-platform', 'file', '-config-cache', join(runDir, 'ignition.json'), '-state-file', join(runDir, 'state'), '-log-to-stdout'];
  let log = '';
  for (const stage of stages) {
    const extra = stage.startsWith('fetch') ? ['-neednet', join(runDir, 'neednet')] : ['-root', root];
    try {
      const argv = [tool('ignition'), '-stage', stage, ...common, ...extra];
      const r = othersCanReach(dir)
        ? await run(argv[0]!, argv.slice(1), { env, timeout: 60_000 })
        : await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', PRIVATE_ROOT, 'sh', join(dir, 'ns'), dir, ...argv], { env, timeout: 60_000 });
      log += r.stdout + r.stderr;
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string };
      return { ok: false, log: `${log}${x.stdout ?? ''}${x.stderr ?? ''}`, root };
    }
  }
  return { ok: true, log, root };
}

let mixed: Rendered;
let flatcarHa: Rendered;
let server: Server;
let base = '';
const served = new Map<string, string>();
beforeAll(async () => {
  mixed = await renderFixture(loadExample('mixed'));
  flatcarHa = await renderFixture(loadExample('flatcar-ha'));
  server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    res.writeHead(body === undefined ? 404 : 200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('Ignition 2.14 runs the generated configs', () => {
  const usable = () => haveTool('ignition') && rootOrRequired();

  it('writes exactly the planned files, modes, units and drop-ins, enables the bootstrap unit (mixed: FCOS and Flatcar)', async (ctx) => {
    if (!usable()) return ctx.skip();
    for (const plan of mixed.plans.filter((p) => mixed.ignitionConfigs.has(p.node.name))) {
      const r = await ignite(mixed.ignitionConfigs.get(plan.node.name)!, ['fetch-offline', 'files']);
      try {
        expect(r.ok, r.log).toBe(true);
        for (const f of plan.files.values()) {
          const onDisk = join(r.root, f.path);
          expect(readFileSync(onDisk, 'utf8'), `${plan.node.name}:${f.path}`).toBe(f.content);
          expect(statSync(onDisk).mode & 0o7777, `${plan.node.name}:${f.path}`).toBe(f.mode);
        }
        expect(readFileSync(join(r.root, 'etc/systemd/system-preset/20-ignition.preset'), 'utf8')).toBe('enable kspray-bootstrap.service\n');
        expect(statSync(join(r.root, 'var/lib/kspray')).isDirectory()).toBe(true);
        expect(existsSync(join(r.root, 'etc/hostname'))).toBe(plan.node.kind === 'node');
      } finally {
        rmSync(join(r.root, '..'), { recursive: true, force: true });
      }
    }
  });

  it('adds the spec SSH keys to core and sets the hostname (flatcar-ha worker-1)', async (ctx) => {
    if (!usable()) return ctx.skip();
    const r = await ignite(flatcarHa.ignitionConfigs.get('worker-1')!, ['fetch-offline', 'files']);
    expect(r.ok, r.log).toBe(true);
    expect(readFileSync(join(r.root, 'home/core/.ssh/authorized_keys.d/ignition'), 'utf8')).toContain(flatcarHa.model.sshAuthorizedKeys[0]);
    expect(readFileSync(join(r.root, 'etc/hostname'), 'utf8')).toBe('worker-1\n');
    rmSync(join(r.root, '..'), { recursive: true, force: true });
  });

  it('follows a pointer config to the served full config, and refuses one whose sha512 does not match', async (ctx) => {
    if (!usable()) return ctx.skip();
    const full = flatcarHa.ignitionConfigs.get('cp-1')!;
    const pointer = pointerConfig(full, `${base}/cp-1/config.ign`, '3.3.0');
    served.set('/cp-1/config.ign', full);
    const good = await ignite(pointer, ['fetch', 'files']);
    expect(good.ok, good.log).toBe(true);
    const caKey = flatcarHa.plans.find((p) => p.node.name === 'cp-1')!.files.get('/etc/kubernetes/pki/ca.key')!;
    expect(readFileSync(join(good.root, caKey.path), 'utf8')).toBe(caKey.content);
    expect(statSync(join(good.root, caKey.path)).mode & 0o777).toBe(0o600);
    rmSync(join(good.root, '..'), { recursive: true, force: true });

    served.set('/cp-1/config.ign', full.replace('"version":"3.3.0"', '"version":"3.3.0" '));
    const tampered = await ignite(pointer, ['fetch']);
    expect(tampered.ok).toBe(false);
    expect(tampered.log).toMatch(/hash|verif/i);
    rmSync(join(tampered.root, '..'), { recursive: true, force: true });
  });

  // pxe --install-disk on Flatcar: Ignition writes the installer and enables its unit; the installer,
  // run as the unit would, fetches the node's config with the real curl (a matchbox-style query URL)
  // and hands exactly those bytes to flatcar-install for the disk, then reboots. flatcar-install,
  // udevadm and systemctl are recording stubs: nothing here touches a disk.
  it('install to disk: Ignition writes the installer; it fetches the node config and runs flatcar-install -d DISK -i <config>', async (ctx) => {
    if (!usable()) return ctx.skip();
    const full = flatcarHa.ignitionConfigs.get('cp-1')!;
    served.set('/ignition?mac=52:54:00:00:00:01&os=installed', full);
    const r = await ignite(flatcarInstallIgnition('/dev/disk/by-id/ata-DISK_1', `${base}/ignition?mac=52:54:00:00:00:01&os=installed`), ['fetch-offline', 'files']);
    const dir = join(r.root, '..');
    try {
      expect(r.ok, r.log).toBe(true);
      const script = join(r.root, FLATCAR_INSTALL_SCRIPT);
      expect(statSync(script).mode & 0o7777).toBe(0o700);
      expect(readFileSync(join(r.root, 'etc/systemd/system-preset/20-ignition.preset'), 'utf8')).toBe(`enable ${FLATCAR_INSTALL_UNIT}\n`);
      expect(readFileSync(join(r.root, 'etc/systemd/system', FLATCAR_INSTALL_UNIT), 'utf8')).toContain(`ExecStart=${FLATCAR_INSTALL_SCRIPT}`);
      const stubs = join(dir, 'stubs');
      mkdirSync(stubs);
      const record = join(dir, 'calls');
      // flatcar-install: record its arguments and keep a copy of the -i file (the installer deletes its own).
      writeFileSync(join(stubs, 'flatcar-install'), `#!/bin/bash\necho "flatcar-install $*" >>${record}\nwhile getopts d:i: o; do [[ $o == i ]] && cp "$OPTARG" ${dir}/installed.ign; done\n`, { mode: 0o755 });
      for (const c of ['udevadm', 'systemctl']) writeFileSync(join(stubs, c), `#!/bin/sh\necho "${c} $*" >>${record}\n`, { mode: 0o755 });
      await run('bash', [script], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}` }, timeout: 60_000 });
      const calls = readFileSync(record, 'utf8').trim().split('\n');
      expect(calls[0]).toMatch(/^flatcar-install -d \/dev\/disk\/by-id\/ata-DISK_1 -i \/\S+$/);
      expect(calls.slice(1)).toEqual(['udevadm settle', 'systemctl reboot']);
      expect(readFileSync(join(dir, 'installed.ign'), 'utf8')).toBe(full);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
