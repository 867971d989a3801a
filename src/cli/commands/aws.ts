// `kspray aws images` and `kspray aws apply`. The SDK is loaded inside src/aws/client.ts only when
// one of these actually calls AWS (not for --help, not for --dry-run); IAM and Secrets Manager only
// for clusters whose nodes need an instance identity (aws/identity.ts).
import { readEnv } from '../../env.js';
import type { Command } from 'commander';
import { KsprayError } from '../../errors/errors.js';
import { compileSpec } from '../../compileSpec.js';
import { readTextFile } from '../../io/files.js';
import type { Packaged } from '../../emit/providers/index.js';
import { packageRendered } from './render-provider.js';
import { err, renderSpecFile } from './shared.js';
import type { Ec2Options } from '../../aws/client.js';

const out = (s: string) => process.stdout.write(s);
const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

interface Common {
  file: string;
  region?: string;
  endpoint?: string;
}

const ec2Options = (o: Common): Ec2Options => ({ region: o.region, endpoint: o.endpoint });

async function imagesCommand(o: Common & { baked?: boolean }): Promise<void> {
  const model = compileSpec(readTextFile(o.file), o.file);
  const { connectEc2 } = await import('../../aws/client.js');
  const { findImages, describeQuery, distroArches, noImage } = await import('../../aws/images.js');
  if (!distroArches(model).length) return void err('kspray: no node uses a distro with official AMIs (Ignition OSes: use the vendor\'s AMI)\n');
  const found = await findImages(await connectEc2(ec2Options(o)), model, o.baked === true);
  const rows = found.map((f) => [`${f.distro}`, f.arch, f.image?.ImageId ?? '-', f.image?.CreationDate ?? '-', f.image?.Name ?? `none (${describeQuery(f.query)})`]);
  const header = ['distro', 'arch', 'image', 'created', 'name'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`;
  out(fmt(header) + rows.map(fmt).join(''));
  const missing = found.filter((f) => !f.image);
  if (missing.length) throw new KsprayError('failure', missing.flatMap((f) => noImage(f.query, o.baked === true).problems));
}

async function applyCommand(o: Common & { out: string; subnet?: string; securityGroup?: string[]; image: string; instanceType?: string; dryRun?: boolean; allowImdsv1?: boolean }): Promise<void> {
  let packaged: Packaged[] = [];
  // Packaging refuses a payload over EC2's 16 KiB (even gzipped) here, before any call or write.
  const { rendered } = await renderSpecFile(o.file, o.out, true, (r) => {
    packaged = packageRendered(r, 'aws');
  });
  const { applyAws, dryRunApi, dryRunEc2 } = await import('../../aws/apply.js');
  const { needsIdentity } = await import('../../aws/identity.js');
  const options = { subnet: o.subnet, securityGroups: o.securityGroup, image: o.image, instanceType: o.instanceType, dryRun: o.dryRun === true, allowImdsv1: o.allowImdsv1 === true };
  const identity = needsIdentity(rendered.model);
  if (o.dryRun) {
    const print = (line: string) => out(`${line}\n`);
    // The policies name the region; without one the dry run shows where it goes.
    const region = o.region ?? (readEnv('AWS_REGION') || readEnv('AWS_DEFAULT_REGION') || '<region>');
    await applyAws(dryRunEc2(print), rendered, packaged, options, identity ? { iam: dryRunApi(print), secretsManager: dryRunApi(print), region } : undefined);
    err('kspray: dry run: no call was made (describes were assumed to find nothing: an existing launch template would get CreateLaunchTemplateVersion, a running node would be skipped, an existing role or instance profile would not be created again)\n');
    return;
  }
  const { connectEc2, connectIdentity } = await import('../../aws/client.js');
  const result = await applyAws(await connectEc2(ec2Options(o)), rendered, packaged, options, identity ? await connectIdentity(ec2Options(o)) : undefined);
  out(result.lines.map((l) => `${l}\n`).join(''));
}

export function register(program: Command): void {
  const aws = program.command('aws').description('find AMIs and launch the cluster on EC2 (launch templates for pools, instances for fixed nodes)');
  const common = (c: Command) =>
    c
      .requiredOption('-f, --file <path>', 'cluster spec')
      .option('--region <region>', 'AWS region (default: the SDK chain, e.g. AWS_REGION)')
      .option('--endpoint <url>', 'EC2 endpoint URL (default: AWS_ENDPOINT_URL_EC2, else AWS; IAM and Secrets Manager: AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_SECRETS_MANAGER)');
  common(aws.command('images').description('newest official AMI per distro × arch in the spec (DescribeImages); --baked: the ones `kspray images` built'))
    .option('--baked', 'find the golden images kspray\'s Packer templates built (owner self, kspray.dev/* tags)')
    .action(imagesCommand);
  common(aws.command('apply').description('create/update a launch template per pool and run each fixed node with its private IP and user data; idempotent'))
    .option('-o, --out <dir>', 'outputs directory (the secrets bundle is read or created there)', 'outputs')
    .option('--subnet <id>', 'subnet for the fixed nodes (their spec addresses must be inside it)')
    .option('--security-group <id>', 'security group id (repeatable or comma-separated)', list)
    .option('--image <id>', 'AMI id, or auto: the newest official AMI for each node\'s distro and arch', 'auto')
    .option('--instance-type <type>', 'instance type (default t3.medium, t4g.medium for arm64)')
    .option('--dry-run', 'print the EC2, IAM and Secrets Manager calls (user data and secrets as size and sha256) and make none')
    .option('--allow-imdsv1', 'let instances answer IMDSv1 too (default: IMDSv2 required, hop limit 1, so no process or pod can read user data or role credentials with a plain GET)')
    .action(applyCommand);
}
