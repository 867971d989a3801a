// The delivery commands as users run them (dist/cli/main.js): render --provider, pxe, images.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { exampleFile, repoRoot } from './helpers/fixtures.js';
import { haveTool, ignitionValidate } from './helpers/validators.js';
import { matchboxFieldErrors, readMatchboxDir, selectGroup } from './helpers/matchbox.js';
import { parseHcl } from './helpers/hcl.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
function kspray(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'buffer' });
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}
function workdir(example: string, edit?: (s: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-delivery-'));
  if (edit) writeFileSync(join(dir, 'cluster.yaml'), edit(readFileSync(exampleFile(example), 'utf8')));
  else copyFileSync(exampleFile(example), join(dir, 'cluster.yaml'));
  return dir;
}
const maybeGunzip = (b: Buffer) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);

describe('render --provider', () => {
  it('writes per-cloud files that decode to the payload and prints the size table against the limit', () => {
    const dir = workdir('single');
    const r = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--provider', 'aws'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/aws encoding\s+sent\s+fits 16 KiB before base64/);
    expect(r.err).toMatch(/\ncp-1 .* (raw|gzip) +\d+ +yes/);
    const node = join(dir, 'out', 'single', 'nodes', 'cp-1');
    const payload = readFileSync(join(node, 'user-data'), 'utf8');
    expect(maybeGunzip(readFileSync(join(node, 'aws', 'user-data'))).toString('utf8')).toBe(payload);
    expect(maybeGunzip(Buffer.from(readFileSync(join(node, 'aws', 'user-data.b64'), 'utf8'), 'base64')).toString('utf8')).toBe(payload);

    const az = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--node', 'cp-1', '--provider', 'azure'], dir);
    expect(az.code, az.err).toBe(0);
    expect(maybeGunzip(Buffer.from(az.out.trim(), 'base64')).toString('utf8')).toBe(payload);
  });

  it('refuses a payload over the EC2 limit even gzipped: exit 2, the way out, nothing written', () => {
    // RSA keys make the control-plane payload too big for 16 KiB gzipped.
    const dir = workdir('ha', (s) => s.replace('algorithm: ECDSA-P256', 'algorithm: RSA-2048'));
    const r = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--provider', 'aws'], dir);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/error\[user-data-fits-provider\]: node "cp-1": aws EC2 UserData .* over the limit of 16 KiB before base64, even gzipped/);
    // A render-time error is located through the same parse as the spec's own errors: cp-1's line in the file.
    const cp1Line = readFileSync(join(dir, 'cluster.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('name: cp-1')) + 1;
    expect(r.err).toContain(`cluster.yaml:${cp1Line}:7: error[user-data-fits-provider]: node "cp-1"`);
    expect(r.err).toContain('spec.cloudInit.payloadUrlBase');
    expect(r.err).toContain('spec.secrets.delivery: aws-secrets-manager');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    // Each way out the hint names works: the pointer, delivery fetch, and delivery aws-secrets-manager.
    for (const wayOut of [
      '  cloudInit: { payloadUrlBase: "https://boot.example/ha" }\n',
      '  secrets: { delivery: fetch, urlBase: "https://boot.example/ha" }\n',
      '  provider: { name: aws }\n  secrets: { delivery: aws-secrets-manager }\n',
    ]) {
      writeFileSync(join(dir, 'fixed.yaml'), readFileSync(join(dir, 'cluster.yaml'), 'utf8').replace('  nodes:\n', `${wayOut}  nodes:\n`));
      const fixed = kspray(['render', '-f', 'fixed.yaml', '--out', 'out-fixed', '--provider', 'aws', '--node', 'cp-1'], dir);
      expect(fixed.code, fixed.err).toBe(0);
      expect(fixed.stdout.length).toBeLessThanOrEqual(16384);
      const text = (fixed.stdout[0] === 0x1f && fixed.stdout[1] === 0x8b ? gunzipSync(fixed.stdout) : fixed.stdout).toString('utf8');
      expect(text.startsWith('#cloud-config\n')).toBe(true);
      expect(text).not.toContain('PRIVATE KEY');
    }
    // --node delivers one payload: a worker that fits is printed although cp-1 does not fit.
    const w = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--provider', 'aws', '--node', 'worker-1'], dir);
    expect(w.code, w.err).toBe(0);
    expect(w.stdout.length).toBeLessThanOrEqual(16384);
  }, 240_000);

  it('refuses an unknown provider with exit 2', () => {
    const r = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--provider', 'nimbus'], workdir('single'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('error[known-provider]: unknown provider "nimbus"');
  });
});

describe('kspray pxe', () => {
  it('writes iPXE scripts, NoCloud seeds and (with xorriso) cidata ISOs', () => {
    const dir = workdir('single');
    const r = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--kernel', 'http://boot/vmlinuz', '--initrd', 'http://boot/initrd', '--seed-url', 'http://seed/single', '--gateway', '10.0.0.1'], dir);
    expect(r.code, r.err).toBe(0);
    const pxe = join(dir, 'out', 'single', 'pxe');
    expect(readFileSync(join(pxe, 'ipxe', 'cp-1.ipxe'), 'utf8')).toContain('ds=nocloud;s=http://seed/single/cp-1/');
    expect(readFileSync(join(pxe, 'seed', 'cp-1', 'user-data'), 'utf8').startsWith('#cloud-config\n')).toBe(true);
    expect(readFileSync(join(pxe, 'seed', 'cp-1', 'network-config'), 'utf8')).toContain('via: 10.0.0.1');
    expect(existsSync(join(dir, 'out', 'single', 'secrets', 'ca.key'))).toBe(true);
    // --iso auto: an ISO exactly when xorriso is there (CI installs it; locally it may be missing).
    expect(existsSync(join(pxe, 'iso', 'cp-1-cidata.iso'))).toBe(haveTool('xorriso'));
  });

  it('needs --seed-url with --kernel, and refuses a $ in a boot value (exit 2)', () => {
    const dir = workdir('single');
    const a = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--kernel', 'http://boot/vmlinuz', '--initrd', 'http://boot/initrd'], dir);
    expect(a.code).toBe(2);
    expect(a.err).toContain('error[required-flag]: kspray pxe needs --seed-url');
    const b = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--kernel', 'http://boot/${x}', '--initrd', 'http://boot/initrd', '--seed-url', 'http://s'], dir);
    expect(b.code).toBe(2);
    expect(b.err).toContain('error[boot-value-safe]');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('kspray pxe (Flatcar example)', () => {
  it('network-config by name glob only for netplan OSes: Debian nodes need --mac or a literal name', () => {
    const dir = workdir('ha');
    const glob = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--iso', 'never'], dir);
    expect(glob.code).toBe(2);
    expect(glob.err).toContain('worker-2, worker-3 (debian-12, debian-13) would match --interface en* by name glob');
    expect(existsSync(join(dir, 'out', 'ha', 'pxe'))).toBe(false);
    const byMac = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--iso', 'never', '--mac', 'worker-2=52:54:00:00:00:22', '--mac', 'worker-3=52:54:00:00:00:23'], dir);
    expect(byMac.code, byMac.err).toBe(0);
    const nc = readFileSync(join(dir, 'out', 'ha', 'pxe', 'seed', 'worker-2', 'network-config'), 'utf8');
    expect(nc).toMatch(/macaddress: "?52:54:00:00:00:22"?/);
    expect(kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--iso', 'never', '--interface', 'ens3'], dir).code).toBe(0);
  });

  it('Fedora CoreOS nodes get their own live kernel, initrd and rootfs; one Flatcar kernel for both is refused', () => {
    const dir = workdir('mixed');
    const flatcarOnly = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--iso', 'never', '--interface', 'ens3', '--seed-url', 'http://s', '--ignition-kernel', 'http://b/k', '--ignition-initrd', 'http://b/i'], dir);
    expect(flatcarOnly.code).toBe(2);
    expect(flatcarOnly.err).toContain('--fcos-kernel, --fcos-initrd and --fcos-rootfs');
    const both = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--iso', 'never', '--interface', 'ens3', '--seed-url', 'http://s', '--ignition-kernel', 'http://b/k', '--ignition-initrd', 'http://b/i', '--fcos-kernel', 'http://f/k', '--fcos-initrd', 'http://f/i', '--fcos-rootfs', 'http://f/rootfs.img'], dir);
    expect(both.code, both.err).toBe(0);
    expect(readFileSync(join(dir, 'out', 'mixed', 'pxe', 'ipxe', 'fcos-1.ipxe'), 'utf8')).toContain('kernel http://f/k initrd=initrd coreos.live.rootfs_url=http://f/rootfs.img ');
    expect(readFileSync(join(dir, 'out', 'mixed', 'pxe', 'ipxe', 'flatcar-workers.ipxe'), 'utf8')).toContain('kernel http://b/k initrd=initrd flatcar.first_boot=yes');
  });

  it('serves the full Ignition config and writes iPXE scripts and matchbox documents', () => {
    const dir = workdir('flatcar-ha');
    const base = ['pxe', '-f', 'cluster.yaml', '--out', 'out', '--seed-url', 'http://seed/fc', '--ignition-kernel', 'http://b/k', '--ignition-initrd', 'http://b/flatcar_production_pxe_image.cpio.gz', '--matchbox-url', 'http://mb:8080'];
    const macs = ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'].flatMap((n, i) => ['--mac', `${n}=52:54:00:00:00:0${i + 1}`]);
    // Without a selector a matchbox group is a catch-all: every machine would boot as that node, with its keys.
    const noMac = kspray([...base, ...macs.slice(2), '--catch-all', 'workers'], dir);
    expect(noMac.code).toBe(2);
    expect(noMac.err).toContain('matchbox group for node "cp-1" would have no selector');
    const noCatchAll = kspray([...base, ...macs], dir);
    expect(noCatchAll.code).toBe(2);
    expect(noCatchAll.err).toContain('pool "workers"');
    const r = kspray([...base, ...macs, '--catch-all', 'workers'], dir);
    expect(r.code, r.err).toBe(0);
    const out = join(dir, 'out', 'flatcar-ha');
    const config = JSON.parse(readFileSync(join(out, 'pxe', 'seed', 'cp-1', 'config.ign'), 'utf8'));
    expect(config.ignition.version).toBeDefined();
    expect(config.storage).toBeDefined(); // the full config, not the pointer
    expect(readFileSync(join(out, 'pxe', 'ipxe', 'cp-1.ipxe'), 'utf8')).toContain('ignition.config.url=http://seed/fc/cp-1/config.ign');
    expect(JSON.parse(readFileSync(join(out, 'pxe', 'matchbox', 'groups', 'flatcar-ha-cp-1.json'), 'utf8')).selector).toEqual({ mac: '52:54:00:00:00:01' });
    expect(JSON.parse(readFileSync(join(out, 'pxe', 'matchbox', 'groups', 'flatcar-ha-workers.json'), 'utf8')).selector).toBeUndefined();
    // matchbox's iPXE template loads the initrd without --name: iPXE names it after the URL's last segment.
    const profile = JSON.parse(readFileSync(join(out, 'pxe', 'matchbox', 'profiles', 'flatcar-ha-cp-1.json'), 'utf8'));
    expect(profile.boot.args[0]).toBe('initrd=flatcar_production_pxe_image.cpio.gz');
    expect(existsSync(join(out, 'pxe', 'seed', 'cp-1', 'user-data'))).toBe(false);
    const mb = readMatchboxDir(join(out, 'pxe', 'matchbox'));
    for (const g of mb.groups) expect(matchboxFieldErrors('group', g), g.id).toEqual([]);
    for (const p of mb.profiles.values()) expect(matchboxFieldErrors('profile', p), p.id).toEqual([]);
  });

  it.runIf(haveTool('ignition-validate'))('every Ignition file it writes for live PXE and matchbox passes ignition-validate', () => {
    const dir = workdir('flatcar-ha');
    const macs = ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'].flatMap((n, i) => ['--mac', `${n}=52:54:00:00:00:0${i + 1}`]);
    const r = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--seed-url', 'http://seed/fc', '--ignition-kernel', 'http://b/k', '--ignition-initrd', 'http://b/i.cpio.gz', '--matchbox-url', 'http://mb:8080', ...macs, '--catch-all', 'workers'], dir);
    expect(r.code, r.err).toBe(0);
    const pxe = join(dir, 'out', 'flatcar-ha', 'pxe');
    const ign = walk(pxe).filter((x) => x.endsWith('.ign'));
    expect(ign.length).toBe(12); // 6 nodes/pools, in seed/ and in matchbox/ignition/
    for (const f of ign) {
      const v = ignitionValidate(join(pxe, f));
      expect(v.ok, `${f}: ${v.output}`).toBe(true);
    }
  });
});

/** Every file under dir, recursively (relative paths). */
function walk(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((f) => (statSync(join(dir, rel, f)).isDirectory() ? walk(dir, join(rel, f)) : [join(rel, f)]));
}

describe('pxe --install-disk (Flatcar flatcar-install, FCOS coreos-installer)', () => {
  const macs = ['--mac', 'cp-1=52:54:00:00:00:01', '--mac', 'fcos-1=52:54:00:00:00:31'];
  const base = ['pxe', '-f', 'cluster.yaml', '--out', 'out', '--iso', 'never', '--interface', 'ens3', '--seed-url', 'http://seed/mixed',
    '--ignition-kernel', 'http://b/flatcar_production_pxe.vmlinuz', '--ignition-initrd', 'http://b/flatcar_production_pxe_image.cpio.gz',
    '--fcos-kernel', 'http://f/kernel', '--fcos-initrd', 'http://f/initramfs.img', '--fcos-rootfs', 'http://f/rootfs.img'];

  it.runIf(haveTool('ignition-validate'))('writes install profiles and groups: first boot installs, the installed system gets the node\'s own config; every Ignition validates', () => {
    const dir = workdir('mixed');
    const r = kspray([...base, ...macs, '--matchbox-url', 'http://mb:8080', '--catch-all', 'flatcar-workers', '--install-disk', '/dev/sda'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('install to /dev/sda');
    const out = join(dir, 'out', 'mixed', 'pxe');
    const mb = readMatchboxDir(join(out, 'matchbox'));
    for (const g of mb.groups) expect(matchboxFieldErrors('group', g), g.id).toEqual([]);
    for (const p of mb.profiles.values()) expect(matchboxFieldErrors('profile', p), p.id).toEqual([]);
    const ignitionOf = (labels: Record<string, string>) => mb.ignition.get(mb.profiles.get(selectGroup(mb.groups, labels)!.profile)!.ignition_id!);
    const nodeConfig = (n: string) => readFileSync(join(out, 'seed', n, 'config.ign'), 'utf8');
    // A pool member's network boot: the install config; after flatcar-install, os=installed: the pool's config.
    expect(ignitionOf({ mac: '52-54-00-aa-bb-cc', uuid: 'u' })).toContain('"name":"kspray-install-to-disk.service"');
    expect(ignitionOf({ os: 'installed' })).toBe(nodeConfig('flatcar-workers'));
    // FCOS: coreos-installer's ignition_url (same labels as the PXE boot) gets the node's own config.
    expect(ignitionOf({ mac: '52-54-00-00-00-31', uuid: 'u' })).toBe(nodeConfig('fcos-1'));
    expect(mb.profiles.get('mixed-fcos-1')!.boot!.args).toContain('coreos.inst.install_dev=/dev/sda');
    expect(readFileSync(join(out, 'ipxe', 'flatcar-workers.ipxe'), 'utf8')).toContain('ignition.config.url=http://seed/mixed/flatcar-workers/install.ign');
    // Modes: the node configs hold keys (0600), the install configs only a URL.
    expect(statSync(join(out, 'matchbox', 'ignition', 'mixed-fcos-1.ign')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'matchbox', 'ignition', 'mixed-flatcar-workers.install.ign')).mode & 0o777).toBe(0o644);
    const ign = walk(out).filter((f) => f.endsWith('.ign'));
    expect(ign.length).toBe(6); // seed/ and matchbox/ignition/: each the 2 node configs + the Flatcar pool's install config
    for (const f of ign) {
      const v = ignitionValidate(join(out, f));
      expect(v.ok, `${f}: ${v.output}`).toBe(true);
    }
  });

  it('refuses a bad disk and --install-disk without an Ignition kernel (exit 2)', () => {
    const dir = workdir('mixed');
    const bad = kspray([...base, ...macs, '--install-disk', 'sda'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--install-disk "sda" is not a disk device path');
    const noKernel = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--iso', 'never', '--interface', 'ens3', '--install-disk', '/dev/sda'], dir);
    expect(noKernel.code).toBe(2);
    expect(noKernel.err).toContain('--install-disk installs Flatcar/FCOS');
  });
});

describe('kspray images', () => {
  it('writes parseable templates and never writes the secrets bundle', () => {
    const dir = workdir('single');
    const r = kspray(['images', '-f', 'cluster.yaml', '--out', 'out', '--builder', 'amazon-ebs,qemu'], dir);
    expect(r.code, r.err).toBe(0);
    const packer = join(dir, 'out', 'single', 'packer', 'ubuntu-24.04-amd64');
    for (const b of ['amazon-ebs', 'qemu']) expect(() => parseHcl(readFileSync(join(packer, `${b}.pkr.hcl`), 'utf8'))).not.toThrow();
    expect(existsSync(join(packer, 'googlecompute.pkr.hcl'))).toBe(false);
    expect(existsSync(join(dir, 'out', 'single', 'secrets'))).toBe(false);
    const bad = kspray(['images', '-f', 'cluster.yaml', '--out', 'out', '--builder', 'amazon-ebs,hyperv'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--builder "hyperv"');
  });
});
