// Packer templates (kspray images): every template parses as HCL2, names the official base images,
// requires its plugin, and bakes the same node program with --only-install and no secret.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { packerOutputs, BUILDERS } from '../../src/emit/packer/index.js';
import { attr, block, expr, hclString, toHcl } from '../../src/emit/packer/hcl.js';
import { bakeFiles, packerTemplate } from '../../src/emit/packer/template.js';
import type { Rendered } from '../../src/render.js';
import { KsprayError } from '../../src/errors/errors.js';
import { loadExample, renderFixture } from '../helpers/fixtures.js';
import { HclExpr, blocks, hclParserFromNpm, parseHcl, type HclBody } from '../helpers/hcl.js';
import { NODE_PROGRAM } from '../../src/plan/nodeProgram.js';
import { osPackages, osPrepareEnv } from '../../src/plan/osProfile.js';

let ha: Rendered;
beforeAll(async () => {
  ha = await renderFixture(loadExample('ha'));
});

const text = (c: string | Uint8Array) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'));
const templates = () => packerOutputs(ha).files.filter((f) => f.relPath.endsWith('.pkr.hcl'));
const template = (dir: string, builder: string): HclBody => {
  const f = templates().find((t) => t.relPath === `packer/${dir}/${builder}.pkr.hcl`);
  if (!f) throw new Error(`no template ${dir}/${builder}`);
  return parseHcl(text(f.content));
};
const sourceOf = (b: HclBody) => blocks(b, 'source')[0]!;

/** The Packer outputs of matrix scenarios, rendered once for a describe block, and readers of them. */
function matrixTemplates(scenarios: string[]) {
  const rendered = new Map<string, Rendered>();
  beforeAll(async () => {
    for (const name of scenarios) rendered.set(name, await renderFixture(loadExample(name)));
  });
  const out = (scenario: string) => packerOutputs(rendered.get(scenario)!);
  const tpl = (scenario: string, dir: string, builder: string): HclBody => {
    const f = out(scenario).files.find((t) => t.relPath === `packer/${dir}/${builder}.pkr.hcl`);
    if (!f) throw new Error(`no template ${dir}/${builder}`);
    return parseHcl(text(f.content));
  };
  const bakeLine = (b: HclBody) =>
    blocks(blocks(b, 'build')[0]!.body, 'provisioner')
      .flatMap((p) => (p.body.attrs.inline as string[] | undefined) ?? [])
      .find((l) => l.endsWith(' --only-install'))!;
  return { rendered, out, tpl, bakeLine };
}
/** An amazon-ebs template's AMI lookup: owners, name pattern and login user. */
const ami = (b: HclBody) => {
  const filter = blocks(sourceOf(b).body, 'source_ami_filter')[0]!.body.attrs;
  return { owners: filter.owners, name: (filter.filters as Record<string, string>).name, user: sourceOf(b).body.attrs.ssh_username };
};

describe('HCL writer', () => {
  it('quotes strings so they read back verbatim, never as templates', () => {
    const tricky = ['plain', 'a "quoted" \\ back\\slash', 'line1\nline2\ttab\r', '${var.secret}', '%{ if x }', '$$ and %% alone', 'ünïcode ✓', '\u0001'];
    const hcl = toHcl([block('b', ['${label}'], tricky.map((s, i) => attr(`k${i}`, s)))]);
    const parsed = parseHcl(hcl);
    expect(parsed.blocks[0]!.labels).toEqual(['${label}']);
    tricky.forEach((s, i) => expect(parsed.blocks[0]!.body.attrs[`k${i}`]).toBe(s));
    expect(hclString('${x}')).toBe('"$${x}"');
  });

  it('the subset parser refuses broken HCL (it is a real check)', () => {
    for (const bad of ['a = "x\n', 'b {\n a = 1\n', 'a = 1 b = 2\n', 'a = "\\q"\n', 'a = 1\na = 2\n', 'x = [1 2]\n', '}\n']) {
      expect(() => parseHcl(bad), bad).toThrow(/hcl: line/);
    }
  });

  it('writes expressions only when asked', () => {
    const parsed = parseHcl(toHcl([attr('a', expr('var.region')), attr('b', { 'x-y': [1, true, 'z'] })]));
    expect(parsed.attrs.a).toEqual(new HclExpr('var.region'));
    expect(parsed.attrs.b).toEqual({ 'x-y': [1, true, 'z'] });
  });
});

describe('kspray images (HA example)', () => {
  it('writes one template per distro × arch in the spec × builder', () => {
    const out = packerOutputs(ha);
    expect(out.images).toEqual(['debian-12-amd64', 'debian-13-amd64', 'ubuntu-22.04-amd64', 'ubuntu-24.04-amd64']);
    expect(templates()).toHaveLength(out.images.length * BUILDERS.length);
    const only = packerOutputs(ha, { distros: ['debian-12'], builders: ['qemu'] });
    expect(only.files.filter((f) => f.relPath.endsWith('.hcl')).map((f) => f.relPath)).toEqual(['packer/debian-12-amd64/qemu.pkr.hcl']);
  });

  it('every template parses (strict subset parser) with required_plugins, variables, a source and a build', () => {
    for (const f of templates()) {
      const b = parseHcl(text(f.content));
      const builder = f.relPath.split('/').at(-1)!.replace('.pkr.hcl', '');
      const plugins = blocks(blocks(b, 'packer')[0]!.body, 'required_plugins')[0]!.body.attrs;
      const [plugin] = Object.values(plugins) as Array<{ source: string; version: string }>;
      expect(plugin!.source, f.relPath).toMatch(/^github\.com\/hashicorp\/[a-z]+$/);
      expect(plugin!.version).toMatch(/^>= \d+\.\d+\.\d+$/);
      expect(sourceOf(b).labels, f.relPath).toEqual([builder, 'kspray']);
      expect(blocks(b, 'build')[0]!.body.attrs.sources).toEqual([`source.${builder}.kspray`]);
      // Every var.X used is declared.
      const declared = new Set(blocks(b, 'variable').map((v) => v.labels[0]));
      for (const m of text(f.content).matchAll(/var\.([a-z_]+)/g)) expect(declared.has(m[1]), `${f.relPath}: var.${m[1]}`).toBe(true);
    }
  });

  it('uses the official base images', () => {
    const amiFilter = (dir: string) => blocks(sourceOf(template(dir, 'amazon-ebs')).body, 'source_ami_filter')[0]!.body.attrs;
    expect(amiFilter('ubuntu-24.04-amd64').owners).toEqual(['099720109477']);
    expect((amiFilter('ubuntu-24.04-amd64').filters as Record<string, string>).name).toBe('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*');
    expect(amiFilter('debian-12-amd64').owners).toEqual(['136693071363']);
    expect((amiFilter('debian-12-amd64').filters as Record<string, string>).name).toBe('debian-12-amd64-*');
    const gce = (dir: string) => sourceOf(template(dir, 'googlecompute')).body.attrs;
    expect(gce('ubuntu-24.04-amd64')).toMatchObject({ source_image_family: 'ubuntu-2404-lts-amd64', source_image_project_id: ['ubuntu-os-cloud'] });
    expect(gce('debian-12-amd64')).toMatchObject({ source_image_family: 'debian-12', source_image_project_id: ['debian-cloud'] });
    expect(sourceOf(template('ubuntu-24.04-amd64', 'azure-arm')).body.attrs).toMatchObject({ image_publisher: 'Canonical', image_offer: 'ubuntu-24_04-lts', image_sku: 'server' });
    expect(blocks(sourceOf(template('ubuntu-24.04-amd64', 'oracle-oci')).body, 'base_image_filter')[0]!.body.attrs).toMatchObject({ operating_system: 'Canonical Ubuntu', operating_system_version: '24.04' });
    expect(sourceOf(template('debian-12-amd64', 'oracle-oci')).body.attrs.base_image_ocid).toEqual(new HclExpr('var.base_image_ocid'));
    expect(sourceOf(template('debian-13-amd64', 'qemu')).body.attrs.iso_url).toBe('https://cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-amd64.qcow2');
  });

  it('uploads the node program as payloads ship it and runs it with --only-install, then cleans instance state', () => {
    const out = packerOutputs(ha);
    const program = out.files.find((f) => f.relPath === 'packer/ubuntu-24.04-amd64/files/usr/local/lib/kspray/kspray-node.sh')!;
    expect(text(program.content)).toBe(NODE_PROGRAM);
    expect(program.mode).toBe(0o755);
    const build = blocks(template('ubuntu-24.04-amd64', 'amazon-ebs'), 'build')[0]!.body;
    const file = blocks(build, 'provisioner').find((p) => p.labels[0] === 'file')!;
    expect(file.body.attrs.source).toEqual(new HclExpr('"${path.root}/files/"'));
    const shells = blocks(build, 'provisioner').map((p) => (p.body.attrs.inline as string[] | undefined) ?? []);
    const inline = shells.find((l) => l.some((x) => x.endsWith(' --only-install')))!;
    const seal = shells.at(-1)!;
    const baked = out.files.filter((f) => f.relPath.startsWith('packer/ubuntu-24.04-amd64/files/')).map((f) => f.relPath.slice('packer/ubuntu-24.04-amd64/files'.length));
    for (const path of baked) expect(inline.some((l) => l.startsWith('install -D') && l.endsWith(` '${path}'`)), path).toBe(true);
    // The OS preparation settings node.env would give (the bake has no node.env), then the program.
    const run = inline.indexOf(`KSPRAY_BIN_DIR='/usr/local/bin' KSPRAY_INSTALL_CONTAINERD='yes' KSPRAY_PACKAGE_MANAGER='apt' KSPRAY_PACKAGES='${osPackages('ubuntu-24.04', ha.model.kubernetes.proxyMode).join(' ')}' /usr/local/lib/kspray/kspray-node.sh --only-install`);
    expect(run).toBeGreaterThan(0);
    // The seal comes after the bake and the image test, in the last provisioner.
    expect(shells.indexOf(seal)).toBeGreaterThan(shells.indexOf(inline));
    expect(seal).toContain('cloud-init clean --logs --seed');
    expect(seal).toContain('truncate -s 0 /etc/machine-id');
  });

  it('picks arm64 images and build machines for arm64 nodes', () => {
    const files = bakeFiles(ha.plans.find((p) => p.node.os === 'ubuntu-24.04')!);
    const prepareEnv = osPrepareEnv('ubuntu-24.04', 'ipvs');
    const hcl = (builder: (typeof BUILDERS)[number]) => parseHcl(packerTemplate({ cluster: 'c', kubernetesVersion: '1.36.4', distro: 'ubuntu-24.04', arch: 'arm64', builder, files, prepareEnv }));
    const aws = hcl('amazon-ebs');
    expect((blocks(sourceOf(aws).body, 'source_ami_filter')[0]!.body.attrs.filters as Record<string, string>)).toMatchObject({ name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*', architecture: 'arm64' });
    expect(blocks(aws, 'variable').find((v) => v.labels[0] === 'instance_type')!.body.attrs.default).toBe('t4g.medium');
    expect(sourceOf(hcl('googlecompute')).body.attrs.source_image_family).toBe('ubuntu-2404-lts-arm64');
    expect(sourceOf(hcl('azure-arm')).body.attrs.image_sku).toBe('server-arm64');
    expect(sourceOf(hcl('qemu')).body.attrs).toMatchObject({ qemu_binary: 'qemu-system-aarch64', machine_type: 'virt' });
  });

  it('bakes no secret and nothing node-specific', () => {
    const baked = packerOutputs(ha).files.filter((f) => f.relPath.includes('/files/'));
    expect(baked.map((f) => f.relPath).filter((p) => p.endsWith('/etc/kspray/downloads.tsv'))).toHaveLength(4);
    for (const f of baked) {
      expect(f.relPath).not.toMatch(/node\.env|kubeadm\.yaml|\/pki\/|addons|encryption|manifests/);
      expect(text(f.content)).not.toMatch(/PRIVATE KEY|token:/);
    }
  });

  // HashiCorp's own HCL parser (hashicorp/hcl as WebAssembly, a dev dependency): it must read what
  // packer would, and agree with the strict parser the other tests read values back with.
  it('reads back through HashiCorp HCL (@cdktf/hcl2json) as the strict parser does: sources, build wiring, every command', async () => {
    const parse = await hclParserFromNpm();
    if (!parse) throw new Error('@cdktf/hcl2json is a dev dependency: npm ci');
    const outputs = packerOutputs(ha).files;
    expect(templates().length).toBeGreaterThan(0);
    for (const f of templates()) {
      const src = text(f.content);
      const json = (await parse(f.relPath, src)) as {
        source: Record<string, Record<string, unknown[]>>;
        build: Array<{ sources: string[]; provisioner: Record<string, Array<{ inline?: string[] }>> }>;
      };
      const ours = parseHcl(src);
      // One source, declared as our parser reads it, and the build wired to exactly that source.
      const theirs = Object.entries(json.source).flatMap(([type, byName]) => Object.keys(byName).map((name) => [type, name]));
      expect(theirs, f.relPath).toEqual(blocks(ours, 'source').map((b) => b.labels));
      expect(json.build.map((b) => b.sources), f.relPath).toEqual([theirs.map(([type, name]) => `source.${type}.${name}`)]);
      // The commands that run on the build VM, byte for byte as both parsers decode them.
      const inlineTheirs = Object.values(json.build[0]!.provisioner).flat().flatMap((p) => p.inline ?? []);
      const inlineOurs = blocks(blocks(ours, 'build')[0]!.body, 'provisioner').flatMap((p) => (p.body.attrs.inline as string[] | undefined) ?? []);
      expect(inlineTheirs.sort(), f.relPath).toEqual([...inlineOurs].sort());
      // Every file the build installs is one kspray wrote next to the template, at the mode it planned.
      const dir = f.relPath.slice(0, f.relPath.lastIndexOf('/'));
      const installs = inlineTheirs.map((c) => /^install -D -o root -g root -m (0\d{3}) '\/tmp\/kspray-bake\/([^']+)' '\/([^']+)'$/.exec(c)).filter((m) => m !== null);
      expect(installs.length, f.relPath).toBeGreaterThan(0);
      for (const [, mode, from, to] of installs) {
        expect(from, f.relPath).toBe(to);
        const baked = outputs.find((o) => o.relPath === `${dir}/files/${from}`);
        expect(baked, `${f.relPath}: installs ${from}, which is not in files/`).toBeDefined();
        expect(mode, `${f.relPath}: ${from}`).toBe(`0${baked!.mode.toString(8)}`);
      }
    }
  });
});

describe('kspray images for the dnf/zypper distros (matrix scenarios)', () => {
  const { rendered, out, tpl, bakeLine } = matrixTemplates(['rocky-containerd-calico', 'alma-containerd-calico', 'fedora-containerd-calico', 'opensuse-containerd-calico', 'al2023-containerd-calico']);
  /** Runs the bake line with sh (as Packer's shell provisioner does), the program replaced by printenv. */
  const bakeEnv = (line: string) =>
    execFileSync('sh', ['-c', line.replace('/usr/local/lib/kspray/kspray-node.sh --only-install', 'printenv KSPRAY_PACKAGE_MANAGER KSPRAY_PACKAGES KSPRAY_SELINUX KSPRAY_FIREWALLD; true')], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    });

  it('every template parses, declares every var it uses, and names no builder without a base image', () => {
    for (const scenario of rendered.keys()) {
      const o = out(scenario);
      for (const f of o.files.filter((t) => t.relPath.endsWith('.pkr.hcl'))) {
        const b = parseHcl(text(f.content));
        const declared = new Set(blocks(b, 'variable').map((v) => v.labels[0]));
        for (const m of text(f.content).matchAll(/var\.([a-z_]+)/g)) expect(declared.has(m[1]), `${f.relPath}: var.${m[1]}`).toBe(true);
        const [, dir, file] = f.relPath.split('/');
        expect(o.unavailable.some((u) => u.image === dir && `${u.builder}.pkr.hcl` === file), f.relPath).toBe(false);
      }
    }
  });

  it('Amazon Linux 2023: only builders with an image (amazon-ebs; openstack, vsphere-clone and OCI from an imported one); asking for another is refused', () => {
    const o = out('al2023-containerd-calico');
    expect(o.images).toEqual(['amazonlinux-2023-amd64']);
    expect(o.files.filter((f) => f.relPath.endsWith('.pkr.hcl')).map((f) => f.relPath.split('/').at(-1)).sort()).toEqual(['amazon-ebs.pkr.hcl', 'openstack.pkr.hcl', 'oracle-oci.pkr.hcl', 'vsphere-clone.pkr.hcl']);
    expect(o.unavailable.map((u) => u.builder)).toEqual(['googlecompute', 'azure-arm', 'qemu']);
    expect(ami(tpl('al2023-containerd-calico', 'amazonlinux-2023-amd64', 'amazon-ebs'))).toEqual({ owners: ['137112412989'], name: 'al2023-ami-2023.*-kernel-*-x86_64', user: 'ec2-user' });
    const line = bakeLine(tpl('al2023-containerd-calico', 'amazonlinux-2023-amd64', 'amazon-ebs'));
    expect(bakeEnv(line)).toBe('dnf\nconntrack-tools socat ipset ipvsadm ethtool iptables-nft tar ca-certificates\npermissive\n');
    for (const builder of ['googlecompute', 'azure-arm', 'qemu'] as const) {
      let caught: unknown;
      try {
        packerOutputs(rendered.get('al2023-containerd-calico')!, { builders: ['amazon-ebs', builder] });
      } catch (e) {
        caught = e;
      }
      expect(caught, builder).toBeInstanceOf(KsprayError);
      expect((caught as KsprayError).problems[0]).toMatchObject({ rule: 'packer-base-image', message: expect.stringMatching(new RegExp(`^no ${builder} template for amazonlinux-2023-amd64: `)) });
    }
    expect(packerOutputs(rendered.get('al2023-containerd-calico')!, { builders: ['amazon-ebs'] }).unavailable).toEqual([]);
  });

  it('Rocky 9: RESF AMIs (user rocky), rocky-linux-cloud on GCE, the GenericCloud qcow2 with its CHECKSUM; no Azure guess', () => {
    const dir = 'rocky-9-amd64';
    expect(ami(tpl('rocky-containerd-calico', dir, 'amazon-ebs'))).toEqual({ owners: ['792107900819'], name: 'Rocky-9-EC2-Base-9.*.x86_64', user: 'rocky' });
    expect(sourceOf(tpl('rocky-containerd-calico', dir, 'googlecompute')).body.attrs).toMatchObject({ source_image_family: 'rocky-linux-9', source_image_project_id: ['rocky-linux-cloud'] });
    expect(sourceOf(tpl('rocky-containerd-calico', dir, 'qemu')).body.attrs).toMatchObject({
      iso_url: 'https://dl.rockylinux.org/pub/rocky/9/images/x86_64/Rocky-9-GenericCloud-Base.latest.x86_64.qcow2',
      iso_checksum: 'file:https://dl.rockylinux.org/pub/rocky/9/images/x86_64/Rocky-9-GenericCloud-Base.latest.x86_64.qcow2.CHECKSUM',
    });
    expect(out('rocky-containerd-calico').unavailable.map((u) => u.builder)).toEqual(['azure-arm']);
    expect(bakeEnv(bakeLine(tpl('rocky-containerd-calico', dir, 'qemu')))).toBe(
      'dnf\nconntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates\npermissive\ndisable\n',
    );
  });

  it('AlmaLinux 9 amd64 and arm64: AlmaLinux OS Foundation AMIs (ec2-user), GCE families, Azure Marketplace with its plan', () => {
    const o = out('alma-containerd-calico');
    expect(o.images).toEqual(['almalinux-9-amd64', 'almalinux-9-arm64']);
    expect(o.unavailable).toEqual([]);
    expect(ami(tpl('alma-containerd-calico', 'almalinux-9-arm64', 'amazon-ebs'))).toEqual({ owners: ['764336703387'], name: 'AlmaLinux OS 9.* aarch64', user: 'ec2-user' });
    expect(ami(tpl('alma-containerd-calico', 'almalinux-9-amd64', 'amazon-ebs')).name).toBe('AlmaLinux OS 9.* x86_64');
    expect(sourceOf(tpl('alma-containerd-calico', 'almalinux-9-arm64', 'googlecompute')).body.attrs).toMatchObject({ source_image_family: 'almalinux-9-arm64', source_image_project_id: ['almalinux-cloud'] });
    const azure = sourceOf(tpl('alma-containerd-calico', 'almalinux-9-arm64', 'azure-arm')).body;
    expect(azure.attrs).toMatchObject({ image_publisher: 'almalinux', image_offer: 'almalinux-arm', image_sku: '9-arm-gen2' });
    expect(blocks(azure, 'plan_info')[0]!.body.attrs).toEqual({ plan_name: '9-arm-gen2', plan_product: 'almalinux-arm', plan_publisher: 'almalinux' });
    expect(sourceOf(tpl('alma-containerd-calico', 'almalinux-9-amd64', 'azure-arm')).body.attrs).toMatchObject({ image_offer: 'almalinux-x86_64', image_sku: '9-gen2' });
    expect(sourceOf(tpl('alma-containerd-calico', 'almalinux-9-arm64', 'qemu')).body.attrs.iso_url).toBe(
      'https://repo.almalinux.org/almalinux/9/cloud/aarch64/images/AlmaLinux-9-GenericCloud-latest.aarch64.qcow2',
    );
  });

  it('Fedora 43: Fedora Project AMIs and the release qcow2; no GCE or Azure guess; nftables mode bakes nftables', () => {
    expect(ami(tpl('fedora-containerd-calico', 'fedora-43-amd64', 'amazon-ebs'))).toEqual({ owners: ['125523088429'], name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-43-*', user: 'fedora' });
    expect(out('fedora-containerd-calico').unavailable.map((u) => u.builder)).toEqual(['googlecompute', 'azure-arm']);
    expect(sourceOf(tpl('fedora-containerd-calico', 'fedora-43-amd64', 'qemu')).body.attrs.iso_checksum).toBe(
      'file:https://download.fedoraproject.org/pub/fedora/linux/releases/43/Cloud/x86_64/images/Fedora-Cloud-43-1.6-x86_64-CHECKSUM',
    );
    expect(bakeEnv(bakeLine(tpl('fedora-containerd-calico', 'fedora-43-amd64', 'amazon-ebs'))).split('\n')[1]).toMatch(/ nftables$/);
  });

  it('openSUSE Leap 15.6: the Marketplace AMIs, SUSE on Azure (no plan), zypper at bake; no GCE guess', () => {
    expect(ami(tpl('opensuse-containerd-calico', 'opensuse-leap-15.6-amd64', 'amazon-ebs'))).toEqual({ owners: ['679593333241'], name: 'openSUSE-Leap-15-6-v*-hvm-ssd-x86_64-*', user: 'ec2-user' });
    const azure = sourceOf(tpl('opensuse-containerd-calico', 'opensuse-leap-15.6-amd64', 'azure-arm')).body;
    expect(azure.attrs).toMatchObject({ image_publisher: 'SUSE', image_offer: 'opensuse-leap-15-6', image_sku: 'gen2' });
    expect(blocks(azure, 'plan_info')).toEqual([]);
    expect(out('opensuse-containerd-calico').unavailable.map((u) => u.builder)).toEqual(['googlecompute']);
    expect(bakeEnv(bakeLine(tpl('opensuse-containerd-calico', 'opensuse-leap-15.6-amd64', 'openstack')))).toBe(
      'zypper\nconntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates\ndisable\n',
    );
  });

  it('RHEL 9: Red Hat pay-as-you-go AMIs and RHEL on GCE/Azure; no qemu image (portal login) and no arm64 Azure guess', () => {
    const files = bakeFiles(rendered.get('rocky-containerd-calico')!.plans.find((p) => !p.node.isControlPlane)!);
    const input = { cluster: 'c', kubernetesVersion: '1.35.4', distro: 'rhel-9' as const, files, prepareEnv: osPrepareEnv('rhel-9', 'ipvs') };
    const hcl = (builder: (typeof BUILDERS)[number], arch: 'amd64' | 'arm64' = 'amd64') => parseHcl(packerTemplate({ ...input, arch, builder }));
    expect(ami(hcl('amazon-ebs'))).toEqual({ owners: ['309956199498'], name: 'RHEL-9.*_HVM-*-x86_64-*', user: 'ec2-user' });
    expect(ami(hcl('amazon-ebs', 'arm64')).name).toBe('RHEL-9.*_HVM-*-arm64-*');
    expect(sourceOf(hcl('googlecompute')).body.attrs).toMatchObject({ source_image_family: 'rhel-9', source_image_project_id: ['rhel-cloud'] });
    expect(sourceOf(hcl('azure-arm')).body.attrs).toMatchObject({ image_publisher: 'RedHat', image_offer: 'RHEL', image_sku: '9-lvm-gen2' });
    expect(() => hcl('qemu')).toThrow(/no cloud image at a stable public URL/);
    expect(() => hcl('azure-arm', 'arm64')).toThrow(/Azure Marketplace has no rhel-9 arm64 image/);
  });
});

describe('kspray images for the distributions of issue 20 (matrix scenarios)', () => {
  const { rendered, out, tpl, bakeLine } = matrixTemplates(['rocky10-crio-cilium', 'el10-containerd-flannel', 'fedora43-crio-kube-router', 'ubuntu2604-containerd-cilium', 'openeuler-containerd-flannel']);

  it('Rocky 10: RESF AMIs and GCE family, the GenericCloud qcow2 booted on an x86-64-v3 CPU (-cpu max), the bake installs kernel-modules-extra', () => {
    const dir = 'rocky-10-amd64';
    expect(ami(tpl('rocky10-crio-cilium', dir, 'amazon-ebs'))).toEqual({ owners: ['792107900819'], name: 'Rocky-10-EC2-Base-10.*.x86_64', user: 'rocky' });
    expect(sourceOf(tpl('rocky10-crio-cilium', dir, 'googlecompute')).body.attrs).toMatchObject({ source_image_family: 'rocky-linux-10', source_image_project_id: ['rocky-linux-cloud'] });
    const qemu = sourceOf(tpl('rocky10-crio-cilium', dir, 'qemu')).body.attrs;
    expect(qemu).toMatchObject({
      iso_url: 'https://dl.rockylinux.org/pub/rocky/10/images/x86_64/Rocky-10-GenericCloud-Base.latest.x86_64.qcow2',
      iso_checksum: 'file:https://dl.rockylinux.org/pub/rocky/10/images/x86_64/Rocky-10-GenericCloud-Base.latest.x86_64.qcow2.CHECKSUM',
      qemuargs: [['-cpu', 'max']],
    });
    expect(out('rocky10-crio-cilium').unavailable.map((u) => u.builder)).toEqual(['azure-arm']);
    expect(bakeLine(tpl('rocky10-crio-cilium', dir, 'qemu'))).toContain("KSPRAY_KERNEL_PACKAGES='kernel-modules-extra'");
    // Rocky 9 (x86-64-v2) keeps QEMU's default CPU.
    const files = bakeFiles(rendered.get('rocky10-crio-cilium')!.plans.find((p) => !p.node.isControlPlane)!);
    const nine = parseHcl(packerTemplate({ cluster: 'c', kubernetesVersion: '1.36.4', distro: 'rocky-9', arch: 'amd64', builder: 'qemu', files, prepareEnv: osPrepareEnv('rocky-9', 'ipvs') }));
    expect(sourceOf(nine).body.attrs.qemuargs).toBeUndefined();
  });

  it('AlmaLinux 10 and RHEL 10: their vendors\' AMIs and GCE families, AlmaLinux on Azure with its plan; RHEL has no qemu image; arm64 gets no -cpu max', () => {
    const o = out('el10-containerd-flannel');
    expect(o.images).toEqual(['almalinux-10-amd64', 'rhel-10-amd64']);
    expect(ami(tpl('el10-containerd-flannel', 'almalinux-10-amd64', 'amazon-ebs'))).toEqual({ owners: ['764336703387'], name: 'AlmaLinux OS 10.* x86_64', user: 'ec2-user' });
    expect(sourceOf(tpl('el10-containerd-flannel', 'almalinux-10-amd64', 'azure-arm')).body.attrs).toMatchObject({ image_publisher: 'almalinux', image_offer: 'almalinux-x86_64', image_sku: '10-gen2' });
    expect(sourceOf(tpl('el10-containerd-flannel', 'almalinux-10-amd64', 'qemu')).body.attrs.qemuargs).toEqual([['-cpu', 'max']]);
    expect(ami(tpl('el10-containerd-flannel', 'rhel-10-amd64', 'amazon-ebs'))).toEqual({ owners: ['309956199498'], name: 'RHEL-10.*_HVM-*-x86_64-*', user: 'ec2-user' });
    expect(sourceOf(tpl('el10-containerd-flannel', 'rhel-10-amd64', 'googlecompute')).body.attrs).toMatchObject({ source_image_family: 'rhel-10', source_image_project_id: ['rhel-cloud'] });
    expect(o.unavailable.map((u) => `${u.image}/${u.builder}`)).toEqual(['rhel-10-amd64/azure-arm', 'rhel-10-amd64/qemu']);
    const files = bakeFiles(rendered.get('el10-containerd-flannel')!.plans.find((p) => !p.node.isControlPlane)!);
    const arm = parseHcl(packerTemplate({ cluster: 'c', kubernetesVersion: '1.35.4', distro: 'almalinux-10', arch: 'arm64', builder: 'qemu', files, prepareEnv: osPrepareEnv('almalinux-10', 'ipvs') }));
    expect(sourceOf(arm).body.attrs.qemuargs).toBeUndefined();
  });

  it('Fedora 43 and Ubuntu 26.04: the release images Kubespray\'s CI and Canonical publish', () => {
    expect(ami(tpl('fedora43-crio-kube-router', 'fedora-43-amd64', 'amazon-ebs'))).toEqual({ owners: ['125523088429'], name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-43-*', user: 'fedora' });
    expect(sourceOf(tpl('fedora43-crio-kube-router', 'fedora-43-amd64', 'qemu')).body.attrs.iso_url).toBe(
      'https://download.fedoraproject.org/pub/fedora/linux/releases/43/Cloud/x86_64/images/Fedora-Cloud-Base-Generic-43-1.6.x86_64.qcow2',
    );
    expect(ami(tpl('ubuntu2604-containerd-cilium', 'ubuntu-26.04-amd64', 'amazon-ebs'))).toEqual({ owners: ['099720109477'], name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-*', user: 'ubuntu' });
    expect(sourceOf(tpl('ubuntu2604-containerd-cilium', 'ubuntu-26.04-amd64', 'googlecompute')).body.attrs).toMatchObject({ source_image_family: 'ubuntu-2604-lts-amd64', source_image_project_id: ['ubuntu-os-cloud'] });
    expect(out('ubuntu2604-containerd-cilium').unavailable.map((u) => u.builder)).toEqual(['azure-arm']);
  });

  it('openEuler 24.03: no AMI, GCE, Azure or qemu image kspray could name: only builders from an imported image; asking for amazon-ebs or qemu is refused with why', () => {
    const o = out('openeuler-containerd-flannel');
    expect(o.files.filter((f) => f.relPath.endsWith('.pkr.hcl')).map((f) => f.relPath.split('/').at(-1)).sort()).toEqual(['openstack.pkr.hcl', 'oracle-oci.pkr.hcl', 'vsphere-clone.pkr.hcl']);
    expect(o.unavailable.map((u) => u.builder)).toEqual(['amazon-ebs', 'googlecompute', 'azure-arm', 'qemu']);
    for (const [builder, why] of [['amazon-ebs', /no official AMI/], ['qemu', /xz-compressed/]] as const) {
      let caught: unknown;
      try {
        packerOutputs(rendered.get('openeuler-containerd-flannel')!, { builders: [builder] });
      } catch (e) {
        caught = e;
      }
      expect(caught, builder).toBeInstanceOf(KsprayError);
      expect((caught as KsprayError).problems[0]!.message, builder).toMatch(why);
    }
  });
});

// The bake runs the install phases with no node.env: every node.env setting they read must be on
// the bake line with the value the nodes get, or the image holds something else than the nodes
// install (a cri-o cluster's image would get containerd, and the bake would fail on its missing download).
describe('kspray images: the bake line carries what the install phases read from node.env', () => {
  const INSTALL_KEYS = ['KSPRAY_BIN_DIR', 'KSPRAY_INSTALL_CONTAINERD', 'KSPRAY_CONTAINER_RUNTIME', 'KSPRAY_PACKAGE_MANAGER', 'KSPRAY_PACKAGES', 'KSPRAY_SELINUX', 'KSPRAY_FIREWALLD'];
  const scenarios = ['rocky-crio-cilium', 'al2023-crio-kube-router-airgap', 'opensuse-containerd17-flannel', 'debian-containerd-calico'];
  const rendered = new Map<string, Rendered>();
  beforeAll(async () => {
    for (const name of scenarios) rendered.set(name, await renderFixture(loadExample(name)));
  });
  /** KEY -> value as bash sees them after sourcing `lines` (unset keys are absent). */
  const shellEnv = (lines: string) => {
    const out = execFileSync('bash', ['-c', `${lines}\nfor k in ${INSTALL_KEYS.join(' ')}; do if [[ -v $k ]]; then printf '%s=%s\\n' "$k" "\${!k}"; fi; done`], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    });
    return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  };
  const nonEmpty = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));

  it('same values as the node.env of the nodes the image is for', () => {
    for (const [name, r] of rendered) {
      const o = packerOutputs(r);
      expect(o.images.length, name).toBeGreaterThan(0);
      for (const dir of o.images) {
        const hcl = o.files.find((f) => f.relPath.startsWith(`packer/${dir}/`) && f.relPath.endsWith('.pkr.hcl'))!;
        const inline = blocks(blocks(parseHcl(text(hcl.content)), 'build')[0]!.body, 'provisioner').flatMap((p) => (p.body.attrs.inline as string[] | undefined) ?? []);
        const line = inline.find((l) => l.endsWith(' --only-install'))!;
        const baked = shellEnv(`export ${line.replace(/ \S+ --only-install$/, '')}`);
        for (const plan of r.plans.filter((p) => `${p.node.os}-${p.node.arch}` === dir)) {
          const nodeEnv = plan.files.get('/etc/kspray/node.env')!.content as string;
          expect(baked, `${name} ${dir} ${plan.node.name}`).toEqual(nonEmpty(shellEnv(nodeEnv)));
        }
      }
    }
  });

  it('cri-o: the image gets cri-o, its drop-in (conmon and runtimes in libexec) and crictl endpoint, never containerd', () => {
    const o = packerOutputs(rendered.get('rocky-crio-cilium')!);
    const files = o.files.filter((f) => f.relPath.startsWith('packer/rocky-9-amd64/files/')).map((f) => f.relPath.slice('packer/rocky-9-amd64/files'.length));
    expect(files).toContain('/etc/crio/crio.conf.d/10-kspray.conf');
    expect(files).toContain('/etc/crictl.yaml');
    expect(files.some((f) => f.startsWith('/etc/containerd/'))).toBe(false);
    const hcl = o.files.find((f) => f.relPath === 'packer/rocky-9-amd64/qemu.pkr.hcl')!;
    expect(text(hcl.content)).toContain("KSPRAY_INSTALL_CONTAINERD='no'");
    expect(text(hcl.content)).toContain("KSPRAY_CONTAINER_RUNTIME='cri-o'");
  });
});
