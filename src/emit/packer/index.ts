// `kspray images`: Packer templates for every distro × arch the spec uses × builder, under packer/.
import type { OutputFile } from '../../io/files.js';
import type { Rendered } from '../../rendered.js';
import type { NodePlan } from '../../plan/nodePlan.js';
import { isIgnition } from '../providers/index.js';
import { runsKubernetes } from '../../model/model.js';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { installEnv } from '../../plan/builders/bootstrap.js';
import { baseImageMissing, isPackerDistro, type PackerDistro } from './distros.js';
import { BUILDERS, bakeFiles, imageDir, packerTemplate, type PackerBuilder } from './template.js';

export { BUILDERS, PACKER_DISTROS_LIST as PACKER_DISTROS };
import { PACKER_DISTROS as PACKER_DISTROS_LIST } from './distros.js';

export interface PackerSelection {
  distros?: string[];
  builders?: PackerBuilder[];
}

export interface PackerOutputs {
  files: OutputFile[];
  /** Image directories written, e.g. ubuntu-24.04-amd64. */
  images: string[];
  /** Nodes that get no Packer image here (Ignition OSes, external etcd members), for the summary. */
  skipped: Array<{ node: string; reason: string }>;
  /** Image × builder pairs left out because the distro has no official base image there, with why. */
  unavailable: Array<{ image: string; builder: PackerBuilder; reason: string }>;
}

export function packerOutputs(r: Rendered, sel: PackerSelection = {}): PackerOutputs {
  const builders = sel.builders ?? [...BUILDERS];
  const unavailable: PackerOutputs['unavailable'] = [];
  // One representative plan per distro and arch: a worker if there is one (control-plane extras are
  // never baked anyway, see bakeFiles).
  const groups = new Map<string, { distro: PackerDistro; plan: NodePlan }>();
  const skipped: PackerOutputs['skipped'] = [];
  for (const plan of r.plans) {
    const os = plan.node.os as string;
    // External etcd members install only etcd at boot (no runtime, no kubelet): an image bakes
    // nothing they use, and baking from their plan would fail (their downloads have no kubelet).
    if (!runsKubernetes(plan.node)) {
      skipped.push({ node: plan.node.name, reason: 'external etcd member: it installs only etcd at boot' });
      continue;
    }
    if (!isPackerDistro(os) || isIgnition(r.payloads.get(plan.node.name)!)) {
      skipped.push({ node: plan.node.name, reason: 'Ignition OS; use the vendor image' });
      continue;
    }
    if (sel.distros && !sel.distros.includes(os)) continue;
    const dir = imageDir(os, plan.node.arch);
    const have = groups.get(dir);
    if (!have || (have.plan.node.isControlPlane && !plan.node.isControlPlane)) groups.set(dir, { distro: os, plan });
  }
  const files: OutputFile[] = [];
  for (const [dir, { distro, plan }] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const baked = bakeFiles(plan);
    for (const f of baked) files.push({ relPath: `packer/${dir}/files${f.path}`, content: f.content, mode: f.mode & 0o111 ? 0o755 : 0o644 });
    // The install settings node.env gives this image's nodes (OS packages, runtime, bin dir).
    const prepareEnv = installEnv(r.model, plan.node);
    for (const builder of builders) {
      // No guessing a base image: a builder asked for by name is refused, the default set leaves it out.
      const reason = baseImageMissing(distro, builder, plan.node.arch);
      if (reason) {
        if (sel.builders) throw new KsprayError('input', [messages.packerNoBaseImage(dir, builder, reason)]);
        unavailable.push({ image: dir, builder, reason });
        continue;
      }
      const hcl = packerTemplate({ cluster: r.model.name, kubernetesVersion: r.model.kubernetes.version, distro, arch: plan.node.arch, builder, files: baked, prepareEnv });
      files.push({ relPath: `packer/${dir}/${builder}.pkr.hcl`, content: hcl, mode: 0o644 });
    }
  }
  return { files, images: [...groups.keys()].sort(), skipped, unavailable };
}
