// Real consumers of kspray's outputs, found on the machine (.ci/run installs them). Locally a
// missing tool skips its test; with KSPRAY_REQUIRE_VALIDATORS=1 (CI) it fails instead
// (test/validators.test.ts keeps every test file on this one lookup).
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';

// Both are CommonJS modules whose `module.exports` is the class/plugin itself; under NodeNext
// TypeScript types the default import as the module object, so name the runtime values once here.
const Ajv04 = ajvDraft04 as unknown as typeof ajvDraft04.default;
/** ajv-formats' plugin, typed as what the default import is at runtime. */
export const addFormats = ajvFormats as unknown as typeof ajvFormats.default;

export const requireValidators = process.env.KSPRAY_REQUIRE_VALIDATORS === '1';

/**
 * Every external program a test runs, looked up one way: on PATH (plus the sbin directories, where
 * nginx and haproxy live), except the two that are not commands: Ignition's initramfs binary and the
 * extracted cloud-init tree. .ci/run installs each of them (kubectl into .ci/cache/bin, on PATH there);
 * sync is coreutils', essential on Debian (src/io/syncfs.ts runs it: the test checks the real one).
 */
export const TOOLS = [
  'cloud-init', 'containerd', 'curl', 'etcd', 'etcdctl', 'git', 'haproxy', 'ignition', 'ignition-validate', 'kubectl', 'nginx',
  'openssl', 'packer', 'python3', 'shellcheck', 'strace', 'sync', 'systemd-analyze', 'time', 'xorriso',
] as const;
export type ToolName = (typeof TOOLS)[number];

const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter((d) => d !== '');
/** Debian's ignition package ships the real Ignition only inside its dracut module. */
const IGNITION_BINARY = '/usr/lib/dracut/modules.d/30ignition/ignition';
const DEBIAN_PYTHON = '/usr/bin/python3';

const cloudInitRoots = [process.env.KSPRAY_CLOUD_INIT_ROOT, join(process.cwd(), '.ci/cache/cloud-init')].filter(
  (p): p is string => !!p,
);

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where a tool is, or undefined. The cloud-init entry is the root of the extracted package tree. */
export function findTool(name: ToolName): string | undefined {
  if (name === 'cloud-init') return cloudInitRoots.find((r) => existsSync(join(r, 'usr/bin/cloud-init')));
  if (name === 'ignition') return isExecutable(IGNITION_BINARY) ? IGNITION_BINARY : undefined;
  // Debian's interpreter, which sees the python3-* packages cloud-init imports (not a pyenv shim on PATH).
  if (name === 'python3') return isExecutable(DEBIAN_PYTHON) ? DEBIAN_PYTHON : undefined;
  return SEARCH_PATH.map((d) => join(d, name)).find(isExecutable);
}

/**
 * Whether a test can run its tool. Locally a missing tool skips the test (call this in
 * `it.runIf` / `describe.skipIf` or before `ctx.skip()`, never as a silent `return`); with
 * KSPRAY_REQUIRE_VALIDATORS=1 (CI) a missing tool throws, which fails the run.
 */
export function haveTool(name: ToolName): boolean {
  if (findTool(name) !== undefined) return true;
  if (requireValidators) throw new Error(`${name} is missing (KSPRAY_REQUIRE_VALIDATORS=1): .ci/run installs it`);
  return false;
}

/** The tool's path, for a test already gated by haveTool (throws if it is missing). */
export function tool(name: ToolName): string {
  const found = findTool(name);
  if (found === undefined) throw new Error(`${name} is missing: .ci/run installs it`);
  return found;
}

/** @deprecated by haveTool(name): kept while other branches still call it with a path. */
export function toolAvailable(path: string): boolean {
  if (existsSync(path)) return true;
  if (requireValidators) throw new Error(`validator ${path} is missing (KSPRAY_REQUIRE_VALIDATORS=1): run .ci/run`);
  return false;
}

export function cloudInitRoot(): string | undefined {
  return haveTool('cloud-init') ? findTool('cloud-init') : undefined;
}

/** `cloud-init schema --config-file` (cloud-init 22.4 from Debian). Returns its output on failure. */
export function cloudInitSchema(root: string, file: string): { ok: boolean; output: string } {
  const r = spawnSync(tool('python3'), [join(root, 'usr/bin/cloud-init'), 'schema', '--config-file', file], {
    env: { ...process.env, PYTHONPATH: join(root, 'usr/lib/python3/dist-packages') },
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/**
 * cloud-init 22.4's own network parser and renderers over a network-config file (test/helpers/cloudinit-net.py):
 * the parsed interfaces and what the networkd and ENI renderers write, as JSON on stdout.
 */
export function cloudInitNetRender(root: string, file: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(tool('python3'), [new URL('./cloudinit-net.py', import.meta.url).pathname, file], {
    env: { ...process.env, PYTHONPATH: join(root, 'usr/lib/python3/dist-packages') },
    encoding: 'utf8',
  });
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

export const IGNITION_VALIDATE = '/usr/bin/ignition-validate'; // kept for callers; tool('ignition-validate') finds it

/** Debian's `ignition-validate` (Ignition 2.14: spec ≤ 3.3.0). Output lines look like "error at $.storage.files.1.path, line 1 col 111: ...". */
export function ignitionValidate(file: string): { ok: boolean; output: string } {
  const r = spawnSync(tool('ignition-validate'), [file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
