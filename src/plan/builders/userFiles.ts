// What the spec adds to a node's OS (spec.files, sysctls, kernelModules and their node/pool forms):
// through the same plan as kspray's own files, so provenance, modes and conflict checks are the
// same. Runs after every other builder: a user path that kspray also writes is reported as an input
// error at the user's line, naming the builder that owns the path.
import { KsprayError } from '../../errors/errors.js';
import { formatSpecPath } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { keyDirOf } from '../../model/customizationRules.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';

/** Sorts before kspray's 99-kubernetes.conf: kspray's values would win for keys it needs (the rules refuse those anyway). */
export const USER_SYSCTL_PATH = '/etc/sysctl.d/90-kspray-user.conf';
export const USER_MODULES_PATH = '/etc/modules-load.d/kspray-user.conf';

export const userFilesBuilder: Builder = {
  name: 'userFiles',
  build({ node, plan }) {
    const c = node.custom;
    for (const f of c.files) {
      const existing = plan.files.get(f.path);
      if (existing) {
        throw new KsprayError('input', [{ ...messages.fileConflictsWithKspray(f.path, existing.builder, formatSpecPath(existing.origin)), path: [...f.origin, 'path'] }]);
      }
      // Under a key directory (control planes only; rules refuse it on workers) the file is secret like its neighbours.
      const secret = keyDirOf(f.path) !== undefined;
      addFile(plan, { path: f.path, content: f.content, mode: f.mode, secret, builder: 'userFiles', origin: f.origin });
    }
    if (c.sysctls.length) {
      addFile(plan, {
        path: USER_SYSCTL_PATH,
        content: '# Written by kspray from the spec (sysctls).\n' + c.sysctls.map(([k, v]) => `${k} = ${v}\n`).join(''),
        builder: 'userFiles',
        origin: c.sysctlsOrigin,
      });
    }
    if (c.kernelModules.length) {
      addFile(plan, {
        path: USER_MODULES_PATH,
        content: '# Written by kspray from the spec (kernelModules).\n' + c.kernelModules.map((m) => `${m}\n`).join(''),
        builder: 'userFiles',
        origin: c.kernelModulesOrigin,
      });
    }
  },
};
