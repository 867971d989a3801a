// Real consumers of kspray's outputs, found on the machine (.ci/run installs them). Locally a
// missing tool skips its test; with KSPRAY_REQUIRE_VALIDATORS=1 (CI) it fails instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

export const requireValidators = process.env.KSPRAY_REQUIRE_VALIDATORS === '1';

export function toolAvailable(path: string): boolean {
  if (existsSync(path)) return true;
  if (requireValidators) throw new Error(`validator ${path} is missing (KSPRAY_REQUIRE_VALIDATORS=1): run .ci/run`);
  return false;
}

const cloudInitRoots = [process.env.KSPRAY_CLOUD_INIT_ROOT, join(process.cwd(), '.ci/cache/cloud-init')].filter(
  (p): p is string => !!p,
);

export function cloudInitRoot(): string | undefined {
  const root = cloudInitRoots.find((r) => existsSync(join(r, 'usr/bin/cloud-init')));
  if (!root && requireValidators) throw new Error('cloud-init is not extracted (KSPRAY_CLOUD_INIT_ROOT): run .ci/run');
  return root;
}

/** `cloud-init schema --config-file` (cloud-init 22.4 from Debian). Returns its output on failure. */
export function cloudInitSchema(root: string, file: string): { ok: boolean; output: string } {
  const r = spawnSync('/usr/bin/python3', [join(root, 'usr/bin/cloud-init'), 'schema', '--config-file', file], {
    env: { ...process.env, PYTHONPATH: join(root, 'usr/lib/python3/dist-packages') },
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

// Vendored copies of ../shared/data/schemas (provenance in schema/upstream/SOURCE.md).
const SCHEMAS = new URL('../../schema/upstream/', import.meta.url);

/** ajv against the vendored upstream cloud-config schema (draft-04, custom keywords → strict off). */
export function cloudConfigValidator(): (config: unknown) => string[] {
  const ajv = new Ajv04({ strict: false, allErrors: true });
  addFormats(ajv);
  const schema = JSON.parse(readFileSync(new URL('cloud-init-schema-cloud-config-v1.json', SCHEMAS), 'utf8'));
  const validate = ajv.compile(schema);
  return (config) => (validate(config) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

export function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** ajv against the vendored upstream Ignition schema of a spec version (draft-04). */
export function ignitionValidator(version: '3.3.0' | '3.4.0'): (config: unknown) => Array<{ at: string; message: string }> {
  const ajv = new Ajv04({ strict: false, allErrors: true });
  addFormats(ajv);
  const file = `ignition-v${version.split('.').slice(0, 2).join('_')}.json`;
  const validate = ajv.compile(JSON.parse(readFileSync(new URL(file, SCHEMAS), 'utf8')));
  return (config) => (validate(config) ? [] : (validate.errors ?? []).map((e) => ({ at: e.instancePath, message: e.message ?? 'invalid' })));
}

export const IGNITION_VALIDATE = '/usr/bin/ignition-validate';

/** Debian's `ignition-validate` (Ignition 2.14: spec ≤ 3.3.0). Output lines look like "error at $.storage.files.1.path, line 1 col 111: ...". */
export function ignitionValidate(file: string): { ok: boolean; output: string } {
  const r = spawnSync(IGNITION_VALIDATE, [file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
