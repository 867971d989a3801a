// What the delivery commands (pxe, images, aws apply) share with `render`: compile the spec, load or create
// the secrets bundle, render in memory. Nothing is written here except a new bundle.
import { join } from 'node:path';
import { compileSpecLocated } from '../../compileSpec.js';
import { createDirectoryAtomically, createExclusive, exists, readTextFile, readTree, setAside } from '../../io/files.js';
import { messages } from '../../errors/messages.js';
import type { PreparedBundle, Rendered } from '../../render.js';
import type { ClusterModel } from '../../model/model.js';
import { atSpecPositions } from '../specPositions.js';
import { startProgress } from '../progress.js';

export const err = (s: string) => process.stderr.write(s);

export interface RenderedCluster<T = void> {
  rendered: Rendered;
  clusterDir: string;
  /** What `check` returned (e.g. render --provider's packaged payloads). */
  checked: T;
  /** Bundle files this render adds (names; written only with persistBundle). */
  bundleAdditions: string[];
}

/**
 * `persistBundle: false` renders with the existing bundle, or a throwaway one when there is none,
 * and writes nothing (kspray images only needs the non-secret install files). `adjust` applies the
 * command's flags that override the spec (render --ignition-url-base, --node) before anything is rendered.
 * `only` renders that one node or pool (render --node): `rendered` then holds its plan and payload alone.
 */
export async function renderSpecFile<T = void>(
  file: string,
  outDir: string,
  persistBundle: boolean,
  check?: (r: Rendered) => T,
  adjust?: (model: ClusterModel) => void,
  only?: string,
): Promise<RenderedCluster<T>> {
  const { model, locator } = compileSpecLocated(readTextFile(file), file);
  adjust?.(model);
  // Loaded here, not at start-up: only commands that render need the PKI libraries.
  const { prepareBundle, render } = await import('../../render.js');
  const clusterDir = join(outDir, model.name);
  const secretsDir = join(clusterDir, 'secrets');
  // Key generation (RSA-4096: over a minute) and big clusters show a progress line on a terminal.
  const progress = startProgress();
  progress.phase('secrets bundle and certificates');
  const prepared = await prepareBundle(model, readTree(secretsDir), secretsDir, new Date(), renderedBefore(clusterDir));
  // `check` (e.g. a cloud's user-data limit) runs before the bundle is written; its errors point at the spec.
  const { rendered, checked } = await atSpecPositions(locator, file, async () => {
    const r = await render(model, prepared.bundle, only, (done, total) => {
      if (done === 0) progress.phase('rendering payloads');
      progress.tick(done, total);
    });
    return { rendered: r, checked: check?.(r) as T };
  }).finally(() => progress.end());
  if (persistBundle) saveBundleAdditions(secretsDir, prepared);
  return { rendered, clusterDir, checked, bundleAdditions: prepared.newFiles.map((f) => f.relPath) };
}

/** Only a complete bundle can have produced pki/ca.crt: its presence rules out an interrupted creation. */
export function renderedBefore(clusterDir: string): boolean {
  return exists(join(clusterDir, 'pki', 'ca.crt'));
}

/**
 * Writes what prepareBundle added, never replacing a file: a new bundle appears as a whole
 * directory (complete or not at all), new leaf keys are linked one by one into the existing one.
 */
export function saveBundleAdditions(secretsDir: string, prepared: PreparedBundle): void {
  if (!prepared.newFiles.length) return;
  if (prepared.created) {
    if (prepared.replacesIncomplete) err(`kspray: ${messages.bundleIncompleteSetAside(secretsDir, setAside(secretsDir, 'incomplete')).message}\n`);
    createDirectoryAtomically(secretsDir, prepared.newFiles, 0o700);
  } else {
    createExclusive(secretsDir, prepared.newFiles, 0o700);
  }
  const what = prepared.created ? 'created secrets bundle' : 'added new leaf keys to secrets bundle';
  err(`kspray: ${what} ${secretsDir} (${prepared.newFiles.length} files; back it up: losing it means losing the cluster)\n`);
}
