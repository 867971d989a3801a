// Spec text → normalized model. Kept apart from render.ts so `validate` never loads the PKI
// libraries (x509 and its dependencies cost ~300 ms of start-up).
import { KsprayError } from './errors/errors.js';
import { loadSpec } from './api/loadSpec.js';
import { toModel } from './model/toModel.js';
import type { ClusterModel } from './model/model.js';
import type { ClusterSpec } from './api/v1alpha1/types.js';

/**
 * Errors carry the spec's locator, so the CLI can show file:line:col. `edit` changes the loaded spec
 * before the rules run (e.g. `artifacts list` compiling the same cluster without its mirror).
 */
export function compileSpec(text: string, file: string, edit: (spec: ClusterSpec) => ClusterSpec = (s) => s): ClusterModel {
  const { spec, source } = loadSpec(text, file);
  try {
    return toModel(edit(spec), file);
  } catch (e) {
    if (e instanceof KsprayError) e.locator = source;
    throw e;
  }
}
