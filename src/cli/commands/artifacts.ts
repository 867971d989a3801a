// `kspray artifacts list`: every file (URL + sha256) and image a cluster needs, so an operator can
// fill an offline mirror. Needs no secret and writes nothing: it renders in memory with a throwaway
// bundle (artifacts do not depend on keys) and prints to stdout.
import type { Command } from 'commander';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { readTextFile } from '../../io/files.js';
import { compileSpec } from '../../compileSpec.js';
import type { ClusterSpec } from '../../api/v1alpha1/types.js';
import type { ClusterModel } from '../../model/model.js';
import { artifactList } from '../../artifacts/list.js';
import { offlineJson, offlineList, offlineScript, offlineText } from '../../artifacts/offline.js';

const FORMATS = ['text', 'json', 'script'] as const;

/** The model as written, and the same cluster fetched from upstream (artifacts.mirror/registry unset). */
function models(file: string): { model: ClusterModel; upstream: ClusterModel } {
  const text = readTextFile(file);
  const withoutArtifacts = (spec: ClusterSpec): ClusterSpec => {
    const { artifacts: _ignored, ...rest } = spec.spec;
    return { ...spec, spec: rest };
  };
  return { model: compileSpec(text, file), upstream: compileSpec(text, file, withoutArtifacts) };
}

async function listCommand(o: { file: string; format: string }): Promise<void> {
  if (!(FORMATS as readonly string[]).includes(o.format)) throw new KsprayError('input', [messages.unknownChoice('--format', o.format, FORMATS)]);
  const { model, upstream } = models(o.file);
  const { prepareBundle, render } = await import('../../render.js');
  const prepared = await prepareBundle(upstream, undefined, '', new Date());
  const list = offlineList(model.name, model.kubernetes.version, artifactList(await render(upstream, prepared.bundle)), model.artifacts);
  const print = o.format === 'json' ? offlineJson(list) : o.format === 'script' ? offlineScript(list, model.artifacts.registry) : offlineText(list);
  process.stdout.write(print);
}

export function register(program: Command): void {
  const artifacts = program.command('artifacts').description('what a cluster downloads, for air-gapped installs');
  artifacts
    .command('list')
    .description('print every file (URL, sha256, path under artifacts.mirror) and image the cluster needs')
    .requiredOption('-f, --file <path>', 'cluster spec')
    .option('--format <format>', `${FORMATS.join(' | ')} (script: a bash script that fills a files mirror and copies images with skopeo)`, 'text')
    .action(listCommand);
}
