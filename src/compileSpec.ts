// Spec text → normalized model. Kept apart from render.ts so `validate` never loads the PKI
// libraries (x509 and its dependencies cost ~300 ms of start-up).
import { KsprayError, type Locator } from './errors/errors.js';
import { loadSpec } from './api/loadSpec.js';
import { toModel } from './model/toModel.js';
import type { ClusterModel } from './model/model.js';
import type { ClusterSpec } from './api/v1alpha1/types.js';

/** The model with what locates any later error in the spec: the one parse of the file. */
export interface CompiledSpec {
  model: ClusterModel;
  /** The spec as written (after `edit`), for commands that quote it back (upgrade --plan). */
  spec: ClusterSpec;
  /** Maps a spec path to file:line:col; render-time errors use it too (cli/specPositions.ts). */
  locator: Locator;
}

/**
 * Errors carry the spec's locator, so the CLI can show file:line:col. `edit` changes the loaded spec
 * before the rules run (e.g. `artifacts list` compiling the same cluster without its mirror).
 */
export function compileSpecLocated(text: string, file: string, edit: (spec: ClusterSpec) => ClusterSpec = (s) => s): CompiledSpec {
  const { spec, source } = loadSpec(text, file);
  const edited = edit(spec);
  try {
    return { model: toModel(edited, file), spec: edited, locator: source };
  } catch (e) {
    if (e instanceof KsprayError) e.locator = source;
    throw e;
  }
}

/** The model alone, for callers that report no error after compiling. */
export function compileSpec(text: string, file: string, edit?: (spec: ClusterSpec) => ClusterSpec): ClusterModel {
  return compileSpecLocated(text, file, edit).model;
}
