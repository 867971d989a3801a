// `kspray images`: Packer HCL2 templates for golden images (outputs/<cluster>/packer/). Needs no
// secret: it renders with the existing bundle (or an in-memory one) and never writes the bundle.
import type { Command } from 'commander';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { writeOutputs } from '../../io/files.js';
import { BUILDERS, PACKER_DISTROS, packerOutputs } from '../../emit/packer/index.js';
import type { PackerBuilder } from '../../emit/packer/template.js';
import { err, renderSpecFile } from './shared.js';

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

async function imagesCommand(o: { file: string; out: string; distro?: string[]; builder?: string[] }): Promise<void> {
  for (const d of o.distro ?? []) if (!(PACKER_DISTROS as string[]).includes(d)) throw new KsprayError('input', [messages.unknownChoice('--distro', d, PACKER_DISTROS)]);
  for (const b of o.builder ?? []) if (!(BUILDERS as readonly string[]).includes(b)) throw new KsprayError('input', [messages.unknownChoice('--builder', b, BUILDERS)]);
  const { rendered, clusterDir } = await renderSpecFile(o.file, o.out, false);
  const result = packerOutputs(rendered, { distros: o.distro, builders: o.builder as PackerBuilder[] | undefined });
  writeOutputs(clusterDir, result.files);
  const builders = o.builder ?? [...BUILDERS];
  const lines = [
    result.images.length
      ? `kspray: wrote Packer templates for ${result.images.join(', ')} × ${builders.join(', ')} into ${clusterDir}/packer/`
      : 'kspray: no image to build: no node in the spec uses one of the selected distros',
  ];
  for (const u of result.unavailable) lines.push(`no ${u.builder} template for ${u.image}: ${u.reason}`);
  for (const reason of [...new Set(result.skipped.map((s) => s.reason))]) {
    lines.push(`no Packer image for ${result.skipped.filter((s) => s.reason === reason).map((s) => s.node).join(', ')} (${reason})`);
  }
  lines.push('run: cd <dir> && packer init <builder>.pkr.hcl && packer build -var ... <builder>.pkr.hcl');
  err(`${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('images')
    .description('write Packer HCL2 templates for golden images (every distro in the spec × builder) into outputs/<cluster>/packer/')
    .requiredOption('-f, --file <path>', 'cluster spec')
    .option('-o, --out <dir>', 'outputs directory', 'outputs')
    .option('--distro <os>', `only these distros (repeatable or comma-separated: ${PACKER_DISTROS.join(', ')})`, list)
    .option('--builder <name>', `only these builders (repeatable or comma-separated: ${BUILDERS.join(', ')})`, list)
    .action(imagesCommand);
}
