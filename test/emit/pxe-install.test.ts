// Install-to-disk PXE for Flatcar and FCOS (`kspray pxe --install-disk`): the install Ignition runs
// the real ignition-validate and its script shellcheck; matchbox documents are checked against the
// fields matchbox documents, and matchbox's own group selection (test/helpers/matchbox.ts) must hand
// the install profile to the first (network) boot and the node's own config to the installed system.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ignitionIpxeScript, matchboxInstallDocuments, type MatchboxFile } from '../../src/emit/pxe/ignitionBoot.js';
import { checkInstallDisk, flatcarInstallIgnition } from '../../src/emit/pxe/install.js';
import { KsprayError } from '../../src/errors/errors.js';
import type { NodeModel } from '../../src/model/model.js';
import { haveTool, ignitionValidate, tool } from '../helpers/validators.js';
import { spawnSync } from 'node:child_process';
import { matchboxFieldErrors, queryLabels, selectGroup } from '../helpers/matchbox.js';

const model = (name: string, os: string, kind: 'node' | 'pool'): NodeModel =>
  ({ name, kind, address: kind === 'node' ? '10.0.0.11' : undefined, addresses: [], roles: ['worker'], isControlPlane: false, isEtcd: false, isFirstControlPlane: false, os, arch: 'amd64', labels: {}, taints: [], count: 1, specPath: ['spec', 'nodes', 0] }) as unknown as NodeModel;

const flatcarBoot = { kernelUrl: 'http://mb/assets/flatcar_production_pxe.vmlinuz', initrdUrl: 'http://mb/assets/flatcar_production_pxe_image.cpio.gz', kernelArgs: ['console=ttyS0'] };
const fcosBoot = { kernelUrl: 'http://mb/assets/fcos-live-kernel', initrdUrl: 'http://mb/assets/fcos-live-initramfs.img', rootfsUrl: 'http://mb/assets/fcos-live-rootfs.img', kernelArgs: [] as string[] };
const NODE_CONFIG = '{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/etc/kspray/node.env"}]}}\n';

/** The script inside the install Ignition, decoded from its data URL. */
function installScript(ign: string): string {
  const file = JSON.parse(ign).storage.files[0];
  const src: string = file.contents.source;
  if (file.contents.compression === 'gzip') return gunzipSync(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64')).toString('utf8');
  return decodeURIComponent(src.slice(src.indexOf(',') + 1));
}

function byPath(files: MatchboxFile[]): Map<string, MatchboxFile> {
  return new Map(files.map((f) => [f.relPath, f]));
}

/** What matchbox serves at /ignition for a request: the selected group's profile's ignition_id file. */
function served(files: MatchboxFile[], url: string): { group: string; ignition: string | undefined } {
  const docs = byPath(files);
  const groups = files.filter((f) => f.relPath.startsWith('groups/')).map((f) => JSON.parse(f.content));
  const g = selectGroup(groups, queryLabels(url));
  if (!g) return { group: '', ignition: undefined };
  const profile = JSON.parse(docs.get(`profiles/${g.profile}.json`)!.content);
  return { group: g.id, ignition: docs.get(`ignition/${profile.ignition_id}`)?.content };
}

describe('install to disk: Flatcar (flatcar-install from an install Ignition)', () => {
  const mac = '52:54:00:00:00:01';
  const cp = matchboxInstallDocuments(model('cp-1', 'flatcar', 'node'), 'demo', { ...flatcarBoot, matchboxUrl: 'http://mb:8080/', installDisk: '/dev/sda' }, NODE_CONFIG, mac);
  const pool = matchboxInstallDocuments(model('workers', 'flatcar', 'pool'), 'demo', { ...flatcarBoot, matchboxUrl: 'http://mb:8080', installDisk: '/dev/disk/by-id/nvme-SAMSUNG_1:0' }, NODE_CONFIG.replace('node.env', 'pool.env'));
  const all = [...cp, ...pool];

  it('every profile and group uses only the fields matchbox documents', () => {
    for (const f of all.filter((x) => x.relPath.endsWith('.json'))) {
      expect(matchboxFieldErrors(f.relPath.startsWith('profiles/') ? 'profile' : 'group', JSON.parse(f.content)), f.relPath).toEqual([]);
    }
    // The check is real: a misspelt field (which matchbox would silently drop) is caught.
    expect(matchboxFieldErrors('profile', { id: 'x', ignitionId: 'x.ign' })).not.toEqual([]);
    expect(matchboxFieldErrors('group', { id: 'x', profile: 'x', selectors: { mac } })).not.toEqual([]);
  });

  it('the network boot gets the install profile, the installed system the node\'s own config (matchbox\'s selection)', () => {
    const machine = (m: string) => `http://mb:8080/ignition?uuid=abc&mac=${m.replace(/:/g, '-')}`; // ${mac:hexhyp}
    expect(served(all, machine(mac))).toMatchObject({ group: 'demo-cp-1.install' });
    const installIgn = served(all, machine(mac)).ignition!;
    // The install config fetches what the installed system runs: the node's config, by MAC and os=installed.
    const script = installScript(installIgn);
    const fetched = /curl .* '([^']+)'\n/.exec(script)![1]!;
    expect(fetched).toBe(`http://mb:8080/ignition?mac=${mac}&os=installed`);
    expect(served(all, fetched)).toEqual({ group: 'demo-cp-1', ignition: NODE_CONFIG });
    // Any other machine is a pool member (the catch-all): installs with the pool's config.
    const other = served(all, machine('52:54:00:00:00:99'));
    expect(other.group).toBe('demo-workers.install');
    const poolFetch = /curl .* '([^']+)'\n/.exec(installScript(other.ignition!))![1]!;
    expect(poolFetch).toBe('http://mb:8080/ignition?os=installed');
    expect(served(all, poolFetch).ignition).toBe(NODE_CONFIG.replace('node.env', 'pool.env'));
    // The fixed node's installed request never falls to the pool's config.
    expect(served(all, `http://mb:8080/ignition?mac=${mac}&os=installed`).ignition).toBe(NODE_CONFIG);
  });

  it('the install profile PXE-boots Flatcar with the install config; the node profile has no boot section', () => {
    const profile = JSON.parse(byPath(cp).get('profiles/demo-cp-1.install.json')!.content);
    expect(profile.boot.args).toEqual(['initrd=flatcar_production_pxe_image.cpio.gz', 'flatcar.first_boot=yes', 'ignition.config.url=http://mb:8080/ignition?uuid=${uuid}&mac=${mac:hexhyp}', 'console=ttyS0']);
    expect(JSON.parse(byPath(cp).get('profiles/demo-cp-1.json')!.content).boot).toBeUndefined();
    expect(byPath(cp).get('ignition/demo-cp-1.ign')!.secret).toBe(true);
    expect(byPath(cp).get('ignition/demo-cp-1.install.ign')!.secret).toBe(false);
    expect(byPath(cp).get('ignition/demo-cp-1.install.ign')!.content).not.toContain('kspray/node.env');
  });

  it.runIf(haveTool('ignition-validate'))('every install Ignition passes ignition-validate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-install-ign-'));
    for (const f of all.filter((x) => x.relPath.endsWith('.install.ign'))) {
      const p = join(dir, f.relPath.replace('/', '_'));
      writeFileSync(p, f.content);
      const r = ignitionValidate(p);
      expect(r.ok, r.output).toBe(true);
    }
  });

  it.runIf(haveTool('shellcheck'))('the install script runs flatcar-install -d DISK -i <config>, reboots, and is shellcheck-clean', () => {
    const script = installScript(flatcarInstallIgnition('/dev/sda', 'http://seed/demo/cp-1/config.ign'));
    expect(script).toContain(`flatcar-install -d '/dev/sda' -i "$config"`);
    expect(script.trimEnd().split('\n').slice(-2)).toEqual(['udevadm settle', 'systemctl reboot']);
    const r = spawnSync(tool('shellcheck'), ['-s', 'bash', '-'], { input: script, encoding: 'utf8' });
    expect(r.status, r.stdout).toBe(0);
  });
});

describe('install to disk: Fedora CoreOS (coreos-installer kernel arguments)', () => {
  const mac = '52:54:00:00:00:31';
  const docs = matchboxInstallDocuments(model('fcos-1', 'fedora-coreos', 'node'), 'demo', { ...fcosBoot, matchboxUrl: 'http://mb:8080', installDisk: '/dev/vda' }, NODE_CONFIG, mac);

  it('one profile: live kernel with rootfs, install_dev and ignition_url; matchbox answers that URL with the node\'s config', () => {
    expect(docs.map((f) => f.relPath)).toEqual(['profiles/demo-fcos-1.json', 'groups/demo-fcos-1.json', 'ignition/demo-fcos-1.ign']);
    const profile = JSON.parse(docs[0]!.content);
    expect(matchboxFieldErrors('profile', profile)).toEqual([]);
    expect(matchboxFieldErrors('group', JSON.parse(docs[1]!.content))).toEqual([]);
    expect(profile.boot.args).toEqual([
      'initrd=fcos-live-initramfs.img',
      'coreos.live.rootfs_url=http://mb/assets/fcos-live-rootfs.img',
      'coreos.inst.install_dev=/dev/vda',
      'coreos.inst.ignition_url=http://mb:8080/ignition?uuid=${uuid}&mac=${mac:hexhyp}',
    ]);
    expect(profile.boot.args.some((a: string) => a.startsWith('ignition.config.url='))).toBe(false); // the live system runs no node config
    expect(served(docs, `http://mb:8080/ignition?uuid=u&mac=${mac.replace(/:/g, '-')}`).ignition).toBe(NODE_CONFIG);
  });

  it('iPXE scripts without matchbox install from the seed server (FCOS: config.ign; Flatcar: install.ign)', () => {
    const f = ignitionIpxeScript(model('fcos-1', 'fedora-coreos', 'node'), 'demo', { ...fcosBoot, seedBase: 'http://seed/demo', installDisk: '/dev/vda' });
    expect(f).toContain('kernel http://mb/assets/fcos-live-kernel initrd=initrd coreos.live.rootfs_url=http://mb/assets/fcos-live-rootfs.img coreos.inst.install_dev=/dev/vda coreos.inst.ignition_url=http://seed/demo/fcos-1/config.ign\n');
    const fl = ignitionIpxeScript(model('cp-1', 'flatcar', 'node'), 'demo', { ...flatcarBoot, seedBase: 'http://seed/demo', installDisk: '/dev/sda' });
    expect(fl).toContain('flatcar.first_boot=yes ignition.config.url=http://seed/demo/cp-1/install.ign console=ttyS0\n');
  });

  it('refuses a disk the shell or the kernel command line would split or expand', () => {
    for (const bad of ['sda', '/dev/sda b', '/dev/$(reboot)', "/dev/sd'a", '/dev/../etc/passwd', '']) {
      expect(() => checkInstallDisk(bad), bad).toThrow(KsprayError);
    }
    expect(checkInstallDisk('/dev/disk/by-path/pci-0000:00:1f.2-ata-1')).toBe('/dev/disk/by-path/pci-0000:00:1f.2-ata-1');
  });
});
