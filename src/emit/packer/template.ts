// Packer HCL2 templates for golden images: one per distro × arch × builder. Each boots the vendor's
// official image, uploads the node program and the pool's non-secret install files, runs the
// program's install phases only (`--only-install`: runtime, Kubernetes binaries, sha256-verified),
// then cleans cloud-init and machine-id so every node booted from it is a first boot that
// downloads nothing. Payloads still carry every file: the image only saves the install work.
import type { Arch } from '../../catalog/catalog.js';
import type { NodePlan, PlanFile } from '../../plan/nodePlan.js';
import { sortedFiles } from '../../plan/nodePlan.js';
import { DISTROS, baseImageMissing, type DistroImages, type PackerDistro } from './distros.js';
import { attr, block, comment, expr, toHcl, type Block, type BodyItem, type HclValue } from './hcl.js';
import { GCE_FAMILY_RULE, fitName, imageNameBase, tagsFor } from './names.js';
import { BUILD_USER, imageTestCommands, sealScript } from './seal.js';
import { BUILDERS, type PackerBuilder } from './packerBuilders.js';

export { BUILDERS, type PackerBuilder };

/** Plugin per builder (github.com/hashicorp/<name>) and the lowest version with what we use. */
const PLUGINS: Record<PackerBuilder, { name: string; version: string }> = {
  'amazon-ebs': { name: 'amazon', version: '>= 1.3.0' },
  googlecompute: { name: 'googlecompute', version: '>= 1.1.0' },
  'azure-arm': { name: 'azure', version: '>= 2.1.0' },
  openstack: { name: 'openstack', version: '>= 1.1.0' },
  'vsphere-clone': { name: 'vsphere', version: '>= 1.4.0' },
  'oracle-oci': { name: 'oracle', version: '>= 1.1.0' },
  qemu: { name: 'qemu', version: '>= 1.1.0' },
};

/**
 * What the install phases read (docs/node-contract.md): downloads.tsv, the OS, runtime and kubelet
 * files. Never node.env, kubeadm configs, addons, PKI or anything marked secret: an image is shared.
 */
const BAKE_PATHS = [
  /^\/etc\/kspray\/downloads\.tsv$/,
  /^\/etc\/sysctl\.d\//,
  /^\/etc\/modules-load\.d\//,
  /^\/etc\/containerd\//,
  // cri-o's drop-in (conmon and runtimes in /usr/local/libexec/crio: crio does not start without it) and mirrors
  /^\/etc\/crio\//,
  /^\/etc\/containers\/registries\.conf\.d\//,
  /^\/etc\/crictl\.yaml$/,
  /^\/etc\/systemd\/system\/(containerd|crio|kubelet)\.service(\.d\/.*)?$/,
  /\/kspray-node\.sh$/,
];

export function bakeFiles(plan: NodePlan): PlanFile[] {
  return sortedFiles(plan).filter((f) => !f.secret && (f.builder === USER_FILES_BUILDER ? isClusterWide(f) : BAKE_PATHS.some((re) => re.test(f.path))));
}

/**
 * The spec's own files, sysctls and kernel modules (builders/userFiles.ts) are baked when they are
 * the cluster's (spec.files, spec.sysctls, spec.kernelModules): a node's or pool's own values would
 * leak into every node booted from the shared image. Booting nodes write all of them anyway.
 */
const USER_FILES_BUILDER = 'userFiles';
const isClusterWide = (f: PlanFile): boolean => f.origin[0] === 'spec' && f.origin[1] !== 'nodes' && f.origin[1] !== 'pools';

export interface TemplateInput {
  cluster: string;
  kubernetesVersion: string;
  distro: PackerDistro;
  arch: Arch;
  builder: PackerBuilder;
  /** Files uploaded from files/<path> next to the template (see bakeFiles). */
  files: PlanFile[];
  /** The install settings of node.env (installEnv): the bake has no node.env. */
  prepareEnv: Array<[string, string]>;
}

/** Directory name under packer/ for one distro and arch, e.g. ubuntu-24.04-amd64. */
export const imageDir = (distro: string, arch: string) => `${distro}-${arch}`;

const sanitize = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-');

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const variable = (name: string, type: string, description: string, def?: HclValue, sensitive = false): Block =>
  block('variable', [name], [
    attr('type', expr(type)),
    attr('description', description),
    ...(def !== undefined ? [attr('default', def)] : []),
    ...(sensitive ? [attr('sensitive', true)] : []),
  ]);

const UPLOAD_DIR = '/tmp/kspray-bake';

/**
 * All templates of one distro × arch share a directory, which Packer can read as one configuration
 * (`packer validate .`, `packer build -only=qemu.kspray .`): a variable or local declared by two of
 * its files is a duplicate there. Names that are not the builder's own get its prefix.
 */
const PREFIX: Record<PackerBuilder, string> = {
  'amazon-ebs': 'aws',
  googlecompute: 'gce',
  'azure-arm': 'azure',
  openstack: 'openstack',
  'vsphere-clone': 'vsphere',
  'oracle-oci': 'oci',
  qemu: 'qemu',
};
const imageNameLocal = (builder: PackerBuilder) => `${PREFIX[builder]}_image_name`;

/** Builders whose login is kspray's own build user: their seal removes it, so it runs as the shutdown. */
const BUILD_USER_BUILDERS: ReadonlySet<PackerBuilder> = new Set(['qemu', 'vsphere-clone']);

/**
 * The #cloud-config that creates the build user (password SSH, passwordless sudo) on a vendor cloud
 * image that has no login for Packer: an HCL expression, since the password is a variable or local.
 */
const buildUserData = (password: string) =>
  `join("\\n", ["#cloud-config", yamlencode({ ssh_pwauth = true, users = [{ name = "${BUILD_USER}", plain_text_passwd = ${password}, lock_passwd = false, sudo = "ALL=(ALL) NOPASSWD:ALL", shell = "/bin/bash" }] })])`;

/** The seal as the shutdown command: the VM powers off only when its checks pass. */
const sealingShutdown = () => `sudo -n sh -euc ${shq([...sealScript(BUILD_USER), 'shutdown -P now'].join('\n'))}`;

function provisioners(files: PlanFile[], prepareEnv: Array<[string, string]>, builder: PackerBuilder): BodyItem[] {
  const program = files.find((f) => f.path.endsWith('/kspray-node.sh'));
  if (!program) throw new Error('packer: the plan has no node program (bootstrap builder)');
  const install = files.map((f) => `install -D -o root -g root -m 0${f.mode.toString(8)} ${shq(`${UPLOAD_DIR}${f.path}`)} ${shq(f.path)}`);
  return [
    block('provisioner', ['shell'], [attr('inline', [`mkdir -p ${UPLOAD_DIR}`])]),
    block('provisioner', ['file'], [
      comment('files/ mirrors the node filesystem: the node program and the pool\'s non-secret install files.'),
      attr('source', expr('"${path.root}/files/"')),
      attr('destination', UPLOAD_DIR),
    ]),
    block('provisioner', ['shell'], [
      attr('execute_command', "chmod +x {{ .Path }}; sudo -E sh -eux '{{ .Path }}'"),
      attr('inline', [
        // The vendor image's own first boot (apt, growpart) must finish before we install.
        'cloud-init status --wait || true',
        ...install,
        `rm -rf ${UPLOAD_DIR}`,
        // The same program a node runs at first boot, install phases only.
        [...prepareEnv.filter(([, v]) => v !== '').map(([k, v]) => `${k}=${shq(v)}`), `${program.path} --only-install`].join(' '),
      ]),
    ]),
    block('provisioner', ['shell'], [
      comment('Image test: exactly what the install phases promise, before anything is captured.'),
      attr('execute_command', "chmod +x {{ .Path }}; sudo -E sh -eu '{{ .Path }}'"),
      attr('inline', imageTestCommands(files, prepareEnv)),
    ]),
    // qemu and vsphere-clone seal in their shutdown command (it removes the user the build logs in as).
    ...(BUILD_USER_BUILDERS.has(builder)
      ? []
      : [
          block('provisioner', ['shell'], [
            comment("Seal: nothing of the build's access or instance state stays in the image; the checks fail the build otherwise."),
            attr('execute_command', "chmod +x {{ .Path }}; sudo -E sh -eu '{{ .Path }}'"),
            attr('inline', sealScript()),
          ]),
        ]),
  ];
}

function source(input: TemplateInput, labels: Record<string, string>): { source: Block; variables: Block[]; locals?: BodyItem[] } {
  const d: DistroImages = DISTROS[input.distro];
  const missing = baseImageMissing(input.distro, input.builder, input.arch);
  if (missing) throw new Error(`packer: ${input.builder}: ${missing}`); // packerOutputs refuses these first
  const arm = input.arch === 'arm64';
  const name = expr(`local.${imageNameLocal(input.builder)}`);
  switch (input.builder) {
    case 'amazon-ebs':
      return {
        variables: [
          variable('region', 'string', 'AWS region to build in.'),
          variable('instance_type', 'string', 'Build instance type.', arm ? 't4g.medium' : 't3.medium'),
        ],
        source: block('source', ['amazon-ebs', 'kspray'], [
          attr('region', expr('var.region')),
          attr('instance_type', expr('var.instance_type')),
          attr('ssh_username', d.awsUser ?? d.cloudUser),
          attr('ami_name', name),
          attr('tags', labels),
          block('source_ami_filter', [], [
            attr('filters', { name: d.aws!.name(input.arch), architecture: arm ? 'arm64' : 'x86_64', 'root-device-type': 'ebs', 'virtualization-type': 'hvm' }),
            attr('owners', [d.aws!.owner]),
            attr('most_recent', true),
          ]),
        ]),
      };
    case 'googlecompute':
      return {
        variables: [
          variable('project_id', 'string', 'GCP project that will own the image.'),
          variable('zone', 'string', 'Zone to build in.'),
          variable('machine_type', 'string', 'Build machine type.', arm ? 't2a-standard-2' : 'e2-standard-2'),
        ],
        source: block('source', ['googlecompute', 'kspray'], [
          attr('project_id', expr('var.project_id')),
          attr('zone', expr('var.zone')),
          attr('machine_type', expr('var.machine_type')),
          attr('source_image_family', d.gce!.family(input.arch)!),
          attr('source_image_project_id', [d.gce!.project]),
          attr('ssh_username', 'packer'),
          attr('image_name', name),
          attr('image_family', fitName(sanitize(`kspray-${input.cluster}-${input.distro}-${input.arch}`), GCE_FAMILY_RULE.maxLength)),
          attr('image_labels', tagsFor('googlecompute', labels)),
        ]),
      };
    case 'azure-arm':
      return {
        variables: [
          variable('subscription_id', 'string', 'Azure subscription.'),
          variable('resource_group', 'string', 'Resource group of the managed image.'),
          variable('location', 'string', 'Region to build in.'),
          variable('vm_size', 'string', 'Build VM size.', arm ? 'Standard_D2ps_v5' : 'Standard_D2s_v5'),
        ],
        source: block('source', ['azure-arm', 'kspray'], [
          attr('use_azure_cli_auth', true),
          attr('subscription_id', expr('var.subscription_id')),
          attr('location', expr('var.location')),
          attr('vm_size', expr('var.vm_size')),
          attr('os_type', 'Linux'),
          attr('image_publisher', d.azure!.publisher),
          attr('image_offer', d.azure!.offer(input.arch)),
          attr('image_sku', d.azure!.sku(input.arch)!),
          attr('managed_image_resource_group_name', expr('var.resource_group')),
          attr('managed_image_name', name),
          attr('azure_tags', tagsFor('azure-arm', labels)),
          // A Marketplace image with a plan: the build VM must name it (accept its terms once: az vm image terms accept).
          ...(d.azure!.plan
            ? [block('plan_info', [], [attr('plan_name', d.azure!.sku(input.arch)!), attr('plan_product', d.azure!.offer(input.arch)), attr('plan_publisher', d.azure!.publisher)])]
            : []),
        ]),
      };
    case 'openstack':
      return {
        variables: [
          variable('source_image_name', 'string', `Glance name of the vendor ${input.distro} cloud image in this cloud.`, d.openstackImage),
          variable('flavor', 'string', 'Build flavor.'),
          variable('networks', 'list(string)', 'Network IDs for the build instance.', []),
          variable('openstack_ssh_username', 'string', 'Login of the base image.', d.cloudUser),
        ],
        source: block('source', ['openstack', 'kspray'], [
          attr('flavor', expr('var.flavor')),
          attr('networks', expr('var.networks')),
          attr('ssh_username', expr('var.openstack_ssh_username')),
          attr('image_name', name),
          attr('metadata', labels),
          block('source_image_filter', [], [block('filters', [], [attr('name', expr('var.source_image_name'))]), attr('most_recent', true)]),
        ]),
      };
    case 'vsphere-clone':
      return {
        variables: [
          variable('vcenter_server', 'string', 'vCenter address.'),
          variable('vsphere_username', 'string', 'vCenter user.'),
          variable('vsphere_password', 'string', 'vCenter password.', undefined, true),
          variable('datacenter', 'string', 'Datacenter.'),
          variable('cluster', 'string', 'Compute cluster.'),
          variable('datastore', 'string', 'Datastore.'),
          variable('template', 'string', `VM template made from the vendor ${input.distro} cloud image (cloud-init with its VMware datasource, open-vm-tools).`),
        ],
        // A vendor cloud-image template has no login: the build user comes from cloud-init's VMware
        // datasource (guestinfo user-data, base64), with a password drawn for this build only.
        locals: [attr('vsphere_build_password', expr('uuidv4()'))],
        source: block('source', ['vsphere-clone', 'kspray'], [
          attr('vcenter_server', expr('var.vcenter_server')),
          attr('username', expr('var.vsphere_username')),
          attr('password', expr('var.vsphere_password')),
          attr('datacenter', expr('var.datacenter')),
          attr('cluster', expr('var.cluster')),
          attr('datastore', expr('var.datastore')),
          attr('template', expr('var.template')),
          attr('vm_name', name),
          attr('convert_to_template', true),
          attr('configuration_parameters', {
            // A new instance-id: the template's cloud-init runs its first boot again for the build.
            // cleanup-guestinfo: cloud-init redacts the user-data in guestinfo once it has read it.
            'guestinfo.metadata': expr(`base64encode(jsonencode({ "instance-id" = "\${local.${imageNameLocal(input.builder)}}-build", "cleanup-guestinfo" = ["userdata"] }))`),
            'guestinfo.metadata.encoding': 'base64',
            'guestinfo.userdata': expr(`base64encode(${buildUserData('local.vsphere_build_password')})`),
            'guestinfo.userdata.encoding': 'base64',
          }),
          attr('ssh_username', BUILD_USER),
          attr('ssh_password', expr('local.vsphere_build_password')),
          attr('ssh_timeout', '20m'),
          // The seal removes this very user, so it runs last, as the shutdown (see qemu).
          attr('shutdown_command', sealingShutdown()),
          attr('notes', `kspray ${input.cluster}: ${input.distro} ${input.arch}, Kubernetes ${input.kubernetesVersion}`),
        ]),
      };
    case 'oracle-oci': {
      const vars = [
        variable('availability_domain', 'string', 'Availability domain to build in.'),
        variable('compartment_ocid', 'string', 'Compartment of the image.'),
        variable('subnet_ocid', 'string', 'Subnet of the build instance.'),
        variable('shape', 'string', 'Build shape.', arm ? 'VM.Standard.A1.Flex' : 'VM.Standard.E4.Flex'),
      ];
      const base: BodyItem[] = d.oci
        ? [block('base_image_filter', [], [attr('operating_system', d.oci.operatingSystem), attr('operating_system_version', d.oci.version), attr('display_name_search', d.oci.displayName(input.arch))])]
        : [comment(`OCI publishes no ${input.distro} platform image: import the vendor cloud image and give its OCID.`), attr('base_image_ocid', expr('var.base_image_ocid'))];
      if (!d.oci) vars.push(variable('base_image_ocid', 'string', `OCID of an imported ${input.distro} cloud image.`));
      return {
        variables: vars,
        source: block('source', ['oracle-oci', 'kspray'], [
          attr('availability_domain', expr('var.availability_domain')),
          attr('compartment_ocid', expr('var.compartment_ocid')),
          attr('subnet_ocid', expr('var.subnet_ocid')),
          attr('shape', expr('var.shape')),
          block('shape_config', [], [attr('ocpus', 2), attr('memory_in_gbs', 8)]),
          attr('ssh_username', d.cloudUser),
          attr('image_name', name),
          attr('tags', tagsFor('oracle-oci', labels)),
          ...base,
        ]),
      };
    }
    case 'qemu': {
      // A NoCloud seed on a cidata CD gives the build VM a login; HCL's yamlencode builds it.
      const userData = expr(buildUserData('var.qemu_build_password'));
      return {
        variables: [
          variable('qemu_build_password', 'string', 'Password of the temporary packer user on the build VM.', undefined, true),
          variable('accelerator', 'string', 'kvm, tcg, ...', 'kvm'),
          ...(arm ? [variable('efi_firmware', 'string', 'AArch64 UEFI firmware.', '/usr/share/AAVMF/AAVMF_CODE.fd')] : []),
        ],
        source: block('source', ['qemu', 'kspray'], [
          attr('iso_url', d.qemu!.url(input.arch)),
          attr('iso_checksum', d.qemu!.checksum(input.arch)),
          attr('disk_image', true),
          attr('format', 'qcow2'),
          attr('disk_size', '20G'),
          attr('memory', 2048),
          attr('cpus', 2),
          attr('accelerator', expr('var.accelerator')),
          ...(arm ? [attr('qemu_binary', 'qemu-system-aarch64'), attr('machine_type', 'virt'), attr('firmware', expr('var.efi_firmware'))] : []),
          ...(!arm && d.x86_64v3 ? [attr('qemuargs', [['-cpu', 'max']])] : []),
          attr('headless', true),
          attr('vm_name', expr('"${local.qemu_image_name}.qcow2"')),
          attr('output_directory', expr('"output-${local.qemu_image_name}"')),
          attr('cd_label', 'cidata'),
          attr('cd_content', { 'meta-data': expr('yamlencode({ "instance-id" = "kspray-packer" })'), 'user-data': userData }),
          attr('ssh_username', BUILD_USER),
          attr('ssh_password', expr('var.qemu_build_password')),
          attr('ssh_timeout', '20m'),
          // The seal removes this very user, so it runs last, as the shutdown: the VM powers off only
          // when its checks pass (a failed seal times out the shutdown and fails the build).
          attr('shutdown_command', sealingShutdown()),
        ]),
      };
    }
  }
}

/** The tags (labels) every golden image gets; `kspray aws images --baked` finds AMIs by them. */
export function packerImageTags(cluster: string, distro: string, arch: string, kubernetesVersion: string): Record<string, string> {
  return {
    'kspray.dev/cluster': cluster,
    'kspray.dev/distro': distro,
    'kspray.dev/arch': arch,
    'kspray.dev/kubernetes-version': kubernetesVersion,
  };
}

export function packerTemplate(input: TemplateInput): string {
  const labels = packerImageTags(input.cluster, input.distro, input.arch, input.kubernetesVersion);
  const plugin = PLUGINS[input.builder];
  const { source: src, variables, locals = [] } = source(input, labels);
  // Each cloud's naming rule holds by construction: cut with a stable hash where the base is too long.
  const imageName = imageNameBase(sanitize(`kspray-${input.cluster}-${input.distro}-${input.arch}-k8s-${input.kubernetesVersion}`), input.builder);
  return toHcl([
    comment(
      `kspray golden image: ${input.distro} ${input.arch}, Kubernetes ${input.kubernetesVersion}, cluster ${input.cluster} (${input.builder}).\n` +
        `Generated by \`kspray images\`; do not edit. Run: packer init ${input.builder}.pkr.hcl && packer build ${input.builder}.pkr.hcl`,
    ),
    block('packer', [], [
      attr('required_version', '>= 1.10.0'),
      block('required_plugins', [], [attr(plugin.name, { source: `github.com/hashicorp/${plugin.name}`, version: plugin.version })]),
    ]),
    ...variables,
    block('locals', [], [attr(imageNameLocal(input.builder), expr(`"${imageName}-\${formatdate("YYYYMMDDhhmmss", timestamp())}"`)), ...locals]),
    src,
    block('build', [], [attr('sources', [`source.${input.builder}.kspray`]), ...provisioners(input.files, input.prepareEnv, input.builder)]),
  ]);
}
