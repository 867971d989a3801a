// `kspray pxe`: per node/pool iPXE scripts, NoCloud seed directories, and cidata seed ISOs, under
// outputs/<cluster>/pxe/. Serve pxe/seed/ at --seed-url; chain-load pxe/ipxe/<node>.ipxe.
import type { Command } from 'commander';
import { isIP } from 'node:net';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { writeOutputs, type OutputFile } from '../../io/files.js';
import { buildCidataIso, findIsoTool } from '../../io/iso.js';
import { ipxeScript, checkBootValue } from '../../emit/pxe/ipxe.js';
import { DEFAULT_NETWORK, honoursNameGlob, isGlob, nocloudSeed, type NetworkOptions } from '../../emit/pxe/nocloud.js';
import { isIgnition } from '../../emit/providers/index.js';
import { ignitionConfigUrl, ignitionIpxeScript, matchboxDocuments, matchboxInstallDocuments } from '../../emit/pxe/ignitionBoot.js';
import { checkInstallDisk, flatcarInstallIgnition } from '../../emit/pxe/install.js';
import { err, renderSpecFile } from './shared.js';

interface PxeOptions {
  file: string;
  out: string;
  kernel?: string;
  initrd?: string;
  seedUrl?: string;
  kernelArg: string[];
  iso: string;
  interface: string;
  prefix: string;
  prefix6: string;
  gateway?: string;
  gateway6?: string;
  dns?: string;
  ignitionKernel?: string;
  ignitionInitrd?: string;
  ignitionKernelArg: string[];
  fcosKernel?: string;
  fcosInitrd?: string;
  fcosRootfs?: string;
  matchboxUrl?: string;
  mac: string[];
  catchAll?: string;
  installDisk?: string;
}

const ISO_MODES = ['auto', 'always', 'never'] as const;

function networkOptions(o: PxeOptions): NetworkOptions {
  const prefix = Number(o.prefix);
  if (!Number.isInteger(prefix) || prefix < 1 || prefix > 32) throw new KsprayError('input', [messages.badFlagValue('--prefix', o.prefix, 'an integer from 1 to 32')]);
  if (o.gateway !== undefined && isIP(o.gateway) !== 4) throw new KsprayError('input', [messages.badFlagValue('--gateway', o.gateway, 'an IPv4 address')]);
  const prefix6 = Number(o.prefix6);
  if (!Number.isInteger(prefix6) || prefix6 < 1 || prefix6 > 128) throw new KsprayError('input', [messages.badFlagValue('--prefix6', o.prefix6, 'an integer from 1 to 128')]);
  if (o.gateway6 !== undefined && isIP(o.gateway6) !== 6) throw new KsprayError('input', [messages.badFlagValue('--gateway6', o.gateway6, 'an IPv6 address')]);
  const nameservers = (o.dns ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const ns of nameservers) if (isIP(ns) === 0) throw new KsprayError('input', [messages.badFlagValue('--dns', ns, 'an IP address')]);
  if (/\s/.test(o.interface) || o.interface === '') throw new KsprayError('input', [messages.badFlagValue('--interface', o.interface, 'an interface name or glob such as en* or eth0')]);
  return { ...DEFAULT_NETWORK, interfaceGlob: o.interface, prefix, prefix6, gateway: o.gateway, gateway6: o.gateway6, nameservers };
}

async function pxeCommand(o: PxeOptions): Promise<void> {
  if (!(ISO_MODES as readonly string[]).includes(o.iso)) throw new KsprayError('input', [messages.unknownChoice('--iso', o.iso, ISO_MODES)]);
  const net = networkOptions(o);
  const wantIpxe = o.kernel !== undefined || o.initrd !== undefined;
  if (wantIpxe) {
    for (const [flag, v] of [['--kernel', o.kernel], ['--initrd', o.initrd], ['--seed-url', o.seedUrl]] as const) {
      if (v === undefined) throw new KsprayError('input', [messages.missingFlag('pxe', flag, 'iPXE scripts need the kernel, the initrd and where the seeds are served')]);
      checkBootValue(flag, v);
    }
  }
  const wantFlatcarIpxe = o.ignitionKernel !== undefined || o.ignitionInitrd !== undefined;
  const wantFcosIpxe = o.fcosKernel !== undefined || o.fcosInitrd !== undefined || o.fcosRootfs !== undefined;
  const wantIgnitionIpxe = wantFlatcarIpxe || wantFcosIpxe;
  if (wantFlatcarIpxe) {
    for (const [flag, v] of [['--ignition-kernel', o.ignitionKernel], ['--ignition-initrd', o.ignitionInitrd], ['--seed-url', o.seedUrl]] as const) {
      if (v === undefined) throw new KsprayError('input', [messages.missingFlag('pxe', flag, 'iPXE scripts of Flatcar nodes need their kernel, initrd and where config.ign is served')]);
      checkBootValue(flag, v);
    }
  }
  if (wantFcosIpxe) {
    for (const [flag, v] of [['--fcos-kernel', o.fcosKernel], ['--fcos-initrd', o.fcosInitrd], ['--fcos-rootfs', o.fcosRootfs], ['--seed-url', o.seedUrl]] as const) {
      if (v === undefined) throw new KsprayError('input', [messages.missingFlag('pxe', flag, 'Fedora CoreOS live PXE needs its kernel, initrd, rootfs and where config.ign is served')]);
      checkBootValue(flag, v);
    }
  }
  if (o.installDisk !== undefined) {
    checkInstallDisk(o.installDisk);
    // Only the Ignition OSes have an installer kspray drives; cloud-init images are already on a disk.
    if (!wantIgnitionIpxe) throw new KsprayError('input', [messages.missingFlag('pxe', '--ignition-kernel or --fcos-kernel', '--install-disk installs Flatcar/FCOS from their PXE boot')]);
  }
  const macs = new Map<string, string>();
  for (const m of o.mac) {
    const [name, mac] = m.split('=');
    if (!name || !mac || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) throw new KsprayError('input', [messages.badFlagValue('--mac', m, 'NODE=aa:bb:cc:dd:ee:ff (lower-case hex)')]);
    macs.set(name, mac);
  }
  const tool = findIsoTool();
  if (o.iso === 'always' && !tool) throw new KsprayError('input', [messages.isoToolMissing()]);
  const { rendered, clusterDir } = await renderSpecFile(o.file, o.out, true);
  for (const name of macs.keys()) if (!rendered.model.nodes.some((n) => n.name === name && n.kind === 'node')) throw new KsprayError('input', [messages.badFlagValue('--mac', name, 'the name of a fixed node of the spec')]);
  if (o.catchAll !== undefined && !rendered.model.nodes.some((n) => n.name === o.catchAll && n.kind === 'pool')) throw new KsprayError('input', [messages.badFlagValue('--catch-all', o.catchAll, 'the name of a pool of the spec')]);
  const ignitionByOs = (os: string) => rendered.model.nodes.filter((n) => n.os === os && isIgnition(rendered.payloads.get(n.name)!)).map((n) => n.name);
  // One kernel cannot boot both: FCOS's live PXE also needs its rootfs. Refused, never guessed.
  if (wantIgnitionIpxe && !wantFcosIpxe && ignitionByOs('fedora-coreos').length) throw new KsprayError('input', [messages.fcosBootMissing(ignitionByOs('fedora-coreos'))]);
  if (wantIgnitionIpxe && !wantFlatcarIpxe && ignitionByOs('flatcar').length) throw new KsprayError('input', [messages.missingFlag('pxe', '--ignition-kernel', `Flatcar node(s) ${ignitionByOs('flatcar').join(', ')} need Flatcar's PXE kernel and initrd`)]);
  if (o.matchboxUrl !== undefined && wantIgnitionIpxe) {
    const unselected = rendered.model.nodes.filter((n) => isIgnition(rendered.payloads.get(n.name)!) && !macs.has(n.name) && !(n.kind === 'pool' && n.name === o.catchAll));
    if (unselected.length) throw new KsprayError('input', unselected.map((n) => messages.matchboxNoSelector(n.name, n.kind)));
  }
  // network-config by name glob only works where netplan renders it; elsewhere match by MAC or name it.
  if (isGlob(net.interfaceGlob)) {
    const refused = rendered.model.nodes.filter((n) => n.address !== undefined && !macs.has(n.name) && !isIgnition(rendered.payloads.get(n.name)!) && !honoursNameGlob(n.os as string));
    if (refused.length) throw new KsprayError('input', [messages.nameGlobNotRendered(refused.map((n) => n.name), refused.map((n) => n.os as string), net.interfaceGlob)]);
  }
  const files: OutputFile[] = [];
  const ignitionNodes: string[] = [];
  let isos = 0;
  for (const node of rendered.model.nodes) {
    const payload = rendered.payloads.get(node.name)!;
    if (isIgnition(payload)) {
      // Ignition OSes boot from ignition.config.url, not a NoCloud seed: serve the full config.
      const full = rendered.ignitionConfigs?.get(node.name) ?? payload;
      files.push({ relPath: `pxe/seed/${node.name}/config.ign`, content: full, mode: 0o600 });
      const fcos = node.os === 'fedora-coreos';
      const boot = fcos
        ? { kernelUrl: o.fcosKernel!, initrdUrl: o.fcosInitrd!, rootfsUrl: o.fcosRootfs!, kernelArgs: o.ignitionKernelArg, installDisk: o.installDisk }
        : { kernelUrl: o.ignitionKernel!, initrdUrl: o.ignitionInitrd!, kernelArgs: o.ignitionKernelArg, installDisk: o.installDisk };
      if (wantIgnitionIpxe) files.push({ relPath: `pxe/ipxe/${node.name}.ipxe`, content: ignitionIpxeScript(node, rendered.model.name, { ...boot, seedBase: o.seedUrl! }), mode: 0o644 });
      // Flatcar install-to-disk from the seed server: the install config fetches the node's config.ign. No secret in it.
      if (wantIgnitionIpxe && o.installDisk !== undefined && !fcos) {
        files.push({ relPath: `pxe/seed/${node.name}/install.ign`, content: flatcarInstallIgnition(o.installDisk, ignitionConfigUrl(o.seedUrl!, node.name)), mode: 0o644 });
      }
      if (wantIgnitionIpxe && o.matchboxUrl !== undefined && o.installDisk !== undefined) {
        for (const f of matchboxInstallDocuments(node, rendered.model.name, { ...boot, installDisk: o.installDisk, matchboxUrl: o.matchboxUrl }, full, macs.get(node.name))) {
          files.push({ relPath: `pxe/matchbox/${f.relPath}`, content: f.content, mode: f.secret ? 0o600 : 0o644 });
        }
      } else if (wantIgnitionIpxe && o.matchboxUrl !== undefined) {
        const mb = matchboxDocuments(node, rendered.model.name, { ...boot, matchboxUrl: o.matchboxUrl }, macs.get(node.name));
        files.push({ relPath: `pxe/matchbox/profiles/${mb.id}.json`, content: mb.profile, mode: 0o644 });
        files.push({ relPath: `pxe/matchbox/groups/${mb.id}.json`, content: mb.group, mode: 0o644 });
        files.push({ relPath: `pxe/matchbox/ignition/${mb.id}.ign`, content: full, mode: 0o600 });
      }
      ignitionNodes.push(node.name);
      continue;
    }
    const seed = nocloudSeed(node, rendered.model.name, payload, net, macs.get(node.name));
    for (const f of seed) files.push({ relPath: `pxe/seed/${node.name}/${f.name}`, content: f.content, mode: 0o600 });
    if (wantIpxe) {
      const script = ipxeScript(node, rendered.model.name, { kernelUrl: o.kernel!, initrdUrl: o.initrd!, seedBase: o.seedUrl!, kernelArgs: o.kernelArg });
      files.push({ relPath: `pxe/ipxe/${node.name}.ipxe`, content: script, mode: 0o644 });
    }
    if (o.iso !== 'never' && tool) {
      files.push({ relPath: `pxe/iso/${node.name}-cidata.iso`, content: buildCidataIso(seed, tool), mode: 0o600 });
      isos++;
    }
  }
  writeOutputs(clusterDir, files);
  const notes = [
    `kspray: wrote NoCloud seeds for ${rendered.model.nodes.length - ignitionNodes.length} node(s)/pool(s) into ${clusterDir}/pxe/seed/`,
    wantIpxe ? `iPXE scripts in ${clusterDir}/pxe/ipxe/ (seeds expected at ${o.seedUrl})` : 'no iPXE scripts: pass --kernel, --initrd and --seed-url for them',
    isos
      ? `${isos} cidata ISO(s) in ${clusterDir}/pxe/iso/ (${tool!.tool})`
      : o.iso === 'never'
        ? 'no ISOs (--iso never)'
        : ignitionNodes.length === rendered.model.nodes.length
          ? 'no ISOs (no cloud-init node)'
          : 'no ISOs: neither xorriso nor genisoimage is on PATH',
  ];
  if (ignitionNodes.length) {
    notes.push(
      `Ignition node(s) ${ignitionNodes.join(', ')}: pxe/seed/<node>/config.ign` +
        (wantIgnitionIpxe ? `, iPXE scripts ${o.installDisk ? `that install to ${o.installDisk} (boot from that disk afterwards)` : 'with ignition.config.url'}${o.matchboxUrl ? ', matchbox profiles/groups in pxe/matchbox/' : ''}` : ' (pass --ignition-kernel, --ignition-initrd and --seed-url for iPXE scripts)'),
    );
  }
  err(`${notes.join('\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('pxe')
    .description('write iPXE scripts, NoCloud seeds and cidata seed ISOs per node/pool into outputs/<cluster>/pxe/')
    .requiredOption('-f, --file <path>', 'cluster spec')
    .option('-o, --out <dir>', 'outputs directory', 'outputs')
    .option('--kernel <url>', 'kernel of an image that runs cloud-init (for the iPXE scripts)')
    .option('--initrd <url>', 'its initrd (for the iPXE scripts)')
    .option('--seed-url <url>', 'where pxe/seed/ is served over HTTP; each node reads <url>/<node>/')
    .option('--kernel-arg <arg>', 'extra kernel argument (repeatable), e.g. console=ttyS0', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--iso <mode>', 'cidata ISOs: auto (when xorriso or genisoimage is on PATH), always, never', 'auto')
    .option('--interface <name>', 'network-config: interface that gets the node address: a name (every renderer) or a glob (netplan/Ubuntu only; other OSes need --mac)', DEFAULT_NETWORK.interfaceGlob)
    .option('--prefix <bits>', 'network-config: prefix length of the node IPv4 subnet', String(DEFAULT_NETWORK.prefix))
    .option('--prefix6 <bits>', 'network-config: prefix length of the node IPv6 subnet', String(DEFAULT_NETWORK.prefix6))
    .option('--gateway <ip>', 'network-config: default IPv4 gateway (fully static); without it DHCP stays on next to the address')
    .option('--gateway6 <ip>', 'network-config: default IPv6 gateway; without it the IPv6 default route comes from router advertisements')
    .option('--dns <ips>', 'network-config: comma-separated name servers')
    .option('--ignition-kernel <url>', 'Flatcar nodes: PXE kernel (their iPXE scripts boot with ignition.config.url)')
    .option('--ignition-initrd <url>', 'Flatcar nodes: PXE initrd')
    .option('--fcos-kernel <url>', 'Fedora CoreOS nodes: live PXE kernel')
    .option('--fcos-initrd <url>', 'Fedora CoreOS nodes: live PXE initrd')
    .option('--fcos-rootfs <url>', 'Fedora CoreOS nodes: live rootfs image (coreos.live.rootfs_url)')
    .option('--ignition-kernel-arg <arg>', 'Flatcar/FCOS nodes: extra kernel argument (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--matchbox-url <url>', 'Flatcar/FCOS nodes: also write matchbox profiles/groups/ignition that boot from this matchbox')
    .option('--mac <node=mac>', 'a fixed node\'s MAC (repeatable): its matchbox group selector and its network-config match', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--catch-all <pool>', 'matchbox: the one pool whose group has no selector (every unmatched machine boots as its member)')
    .option('--install-disk <device>', 'Flatcar/FCOS: install to this disk from the PXE boot (flatcar-install / coreos-installer) and boot it with the node\'s config, instead of running live')
    .action(pxeCommand);
}
