// NodePlan → Ignition v3 config (Flatcar Container Linux, Fedora CoreOS). The same files and the
// same bootstrap unit as the cloud-init emitter, in Ignition's own shapes:
// - /etc/systemd/system/<unit> → systemd.units[].contents; <unit>.d/<name>.conf → that unit's dropins
//   (Ignition writes both to the same places); the units the plan starts are `enabled: true`.
// - every other file → storage.files with a data URL: gzip+base64 (`compression: gzip`) when that
//   is shorter than plain percent-encoding, as butane does. Node's gzip has mtime 0: deterministic.
// - fixed nodes get /etc/hostname; spec.ssh.authorizedKeys go to the OS's default user (core).
// JSON keys are sorted and arrays follow path order, so the same plan always gives the same bytes.
// Every entry remembers the spec path it came from (`origins`), so a problem found in the config
// (by ignition-validate, ajv or checkIgnition) is reported at the user's line.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { KsprayError, type SpecPath, type Problem } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { NodePlan, PlanFile } from '../plan/nodePlan.js';
import { sortedFiles } from '../plan/nodePlan.js';
import { osProfile } from '../plan/osProfile.js';

export type IgnitionVersion = '3.3.0' | '3.4.0';

/** A config entry and the spec path that produced it; `pointer` is a JSON pointer into the config. */
export interface IgnitionOrigin {
  pointer: string;
  origin: SpecPath;
  /** The path on the node (or the unit name) for messages. */
  what: string;
}

export interface IgnitionConfig {
  config: Record<string, unknown>;
  /** The config as written: sorted keys, compact, one trailing newline. */
  text: string;
  origins: IgnitionOrigin[];
}

const UNIT_FILE = /^\/etc\/systemd\/system\/([^/]+\.(?:service|socket|timer|target|path|mount|slice))$/;
const DROPIN_FILE = /^\/etc\/systemd\/system\/([^/]+\.(?:service|socket|timer|target|path|mount|slice))\.d\/([^/]+\.conf)$/;

/** Directories created with a known mode (the program's state, and the configs it reads). */
const DIRECTORIES = ['/etc/kspray', '/var/lib/kspray'];

interface Unit {
  name: string;
  contents?: string;
  enabled?: boolean;
  dropins: Array<{ name: string; contents: string }>;
  origin: SpecPath;
  dropinOrigins: SpecPath[];
}

export function dataUrl(content: string): { source: string; compression?: 'gzip' } {
  // encodeURIComponent leaves only unreserved characters and !'()*, all valid in a data URL.
  const plain = `data:,${encodeURIComponent(content)}`;
  // Level 9, not cloud-init's level 6 (emit/cloudInit.ts): it is not the same trade. Files here are
  // gzipped one by one and are small (the largest, the node program, ~11 KB), where level 9 finds
  // nothing level 6 stops short of: measured on the 218 files of the Ignition nodes of flatcar-ha,
  // custom and mixed, 8 interleaved passes, level 9 took 8.5–11.9 ms of CPU a pass and level 6
  // 7.7–9.9 ms (within noise) for 128 more bytes (147,208 vs 147,080 B). Ignition on AWS is not
  // gunzipped, so bytes count against the 16 KiB limit. DO NOT change lightly: every config.ign changes.
  const gz = `data:;base64,${gzipSync(Buffer.from(content, 'utf8'), { level: 9 }).toString('base64')}`;
  return gz.length < plain.length ? { source: gz, compression: 'gzip' } : { source: plain };
}

/**
 * spec.secrets.delivery fetch: files Ignition fetches itself (path on the node → https URL), each
 * checked against the sha512 of the bytes kspray rendered, and the CA that URL's server is signed by.
 */
export interface RemoteFiles {
  sources: Map<string, string>;
  caCert?: string;
}

const sha512Hash = (content: string) => `sha512-${createHash('sha512').update(content, 'utf8').digest('hex')}`;

export function ignitionConfig(plan: NodePlan, version: IgnitionVersion, remote?: RemoteFiles): IgnitionConfig {
  const origins: IgnitionOrigin[] = [];
  const files: Array<PlanFile | { path: string; content: string; mode: number; origin: SpecPath }> = [];
  const units = new Map<string, Unit>();
  const unit = (name: string, origin: SpecPath): Unit => {
    let u = units.get(name);
    if (!u) units.set(name, (u = { name, dropins: [], origin, dropinOrigins: [] }));
    return u;
  };

  if (plan.node.kind === 'node') {
    // Ignition has no hostname field: the OS reads /etc/hostname (Flatcar and FCOS docs).
    files.push({ path: '/etc/hostname', content: `${plan.node.name}\n`, mode: 0o644, origin: [...plan.node.specPath, 'name'] });
  }
  for (const f of sortedFiles(plan)) {
    const u = UNIT_FILE.exec(f.path);
    const d = DROPIN_FILE.exec(f.path);
    if (u) {
      const entry = unit(u[1]!, f.origin);
      entry.contents = f.content;
      entry.origin = f.origin;
    } else if (d) {
      const entry = unit(d[1]!, f.origin);
      entry.dropins.push({ name: d[2]!, contents: f.content });
      entry.dropinOrigins.push(f.origin);
    } else {
      files.push(f);
    }
  }
  for (const name of plan.startUnits) unit(name, plan.node.specPath).enabled = true;

  const storageFiles = files
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f, i) => {
      origins.push({ pointer: `/storage/files/${i}`, origin: f.origin, what: f.path });
      const source = remote?.sources.get(f.path);
      const contents = source ? { source, verification: { hash: sha512Hash(f.content) } } : dataUrl(f.content);
      return { path: f.path, mode: f.mode, overwrite: true, contents };
    });
  const directories = DIRECTORIES.map((path, i) => {
    origins.push({ pointer: `/storage/directories/${i}`, origin: plan.node.specPath, what: path });
    return { path, mode: 0o755, overwrite: true };
  });
  const systemdUnits = [...units.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((u, i) => {
      origins.push({ pointer: `/systemd/units/${i}`, origin: u.origin, what: u.name });
      u.dropinOrigins.forEach((origin, j) => origins.push({ pointer: `/systemd/units/${i}/dropins/${j}`, origin, what: `${u.name}.d/${u.dropins[j]!.name}` }));
      return {
        name: u.name,
        ...(u.contents !== undefined ? { contents: u.contents } : {}),
        ...(u.enabled ? { enabled: true } : {}),
        ...(u.dropins.length ? { dropins: u.dropins } : {}),
      };
    });

  const config: Record<string, unknown> = {
    ignition: { version, ...(remote?.caCert ? { security: { tls: { certificateAuthorities: [dataUrl(remote.caCert)] } } } : {}) },
  };
  if (plan.sshAuthorizedKeys.length) {
    origins.push({ pointer: '/passwd/users/0', origin: ['spec', 'ssh', 'authorizedKeys'], what: 'passwd.users' });
    config.passwd = { users: [{ name: osProfile(plan.node.os).defaultUser || 'core', sshAuthorizedKeys: plan.sshAuthorizedKeys }] };
  }
  config.storage = { directories, files: storageFiles };
  config.systemd = { units: systemdUnits };
  return { config, text: `${stableJson(config)}\n`, origins };
}

export function emitIgnition(plan: NodePlan, version: IgnitionVersion, remote?: RemoteFiles): string {
  const c = ignitionConfig(plan, version, remote);
  const problems = checkIgnition(plan.node.name, c);
  if (problems.length) throw new KsprayError('input', problems);
  return c.text;
}

/**
 * The small config a node boots from when its full config is served elsewhere: Ignition fetches
 * `source`, checks its sha512 and replaces itself with it.
 */
export function pointerConfig(fullText: string, source: string, version: IgnitionVersion): string {
  const hash = createHash('sha512').update(fullText, 'utf8').digest('hex');
  return `${stableJson({ ignition: { version, config: { replace: { source, verification: { hash: `sha512-${hash}` } } } } })}\n`;
}

/** JSON with every object's keys sorted: byte-stable whatever order the config was built in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The spec path behind a location in the config: a JSON pointer (ajv) or `$.a.0.b` (ignition-validate). */
export function originOf(c: IgnitionConfig, location: string): IgnitionOrigin | undefined {
  const pointer = location.startsWith('$') ? location.slice(1).replace(/\./g, '/') : location;
  let best: IgnitionOrigin | undefined;
  for (const o of c.origins) {
    if ((pointer === o.pointer || pointer.startsWith(`${o.pointer}/`)) && (!best || o.pointer.length > best.pointer.length)) best = o;
  }
  return best;
}

/** A problem found in the config, reported at the spec path that produced the entry. */
export function ignitionProblem(node: string, c: IgnitionConfig, location: string, detail: string): Problem {
  const o = originOf(c, location);
  return { ...messages.ignitionInvalid(node, o ? `${location} (${o.what})` : location, detail), ...(o ? { path: o.origin } : {}) };
}

/** Maps ignition-validate's output ("error at $.storage.files.1.path, line 1 col 111: ...") to problems. */
export function problemsFromIgnitionValidate(node: string, c: IgnitionConfig, output: string): Problem[] {
  return [...output.matchAll(/^error at (\$[^,\s]*)(?:, line \d+ col \d+)?: (.*)$/gm)].map((m) => ignitionProblem(node, c, m[1]!, m[2]!));
}

/**
 * What Ignition itself would refuse and kspray could produce: relative or unnormalized paths, a
 * path used twice, unit names without a unit suffix, drop-ins not ending in .conf, modes out of range.
 */
export function checkIgnition(node: string, c: IgnitionConfig): Problem[] {
  const out: Problem[] = [];
  const storage = c.config.storage as { files: Array<{ path: string; mode: number }>; directories: Array<{ path: string }> };
  const units = (c.config.systemd as { units: Array<{ name: string; dropins?: Array<{ name: string }> }> }).units;
  const seen = new Map<string, string>();
  const paths = [
    ...storage.files.map((f, i) => ({ path: f.path, mode: f.mode, at: `/storage/files/${i}` })),
    ...storage.directories.map((d, i) => ({ path: d.path, mode: 0o755, at: `/storage/directories/${i}` })),
  ];
  for (const p of paths) {
    const normalized = p.path.startsWith('/') && !/(^|\/)\.\.?(\/|$)|\/\/|\/$/.test(p.path);
    if (!normalized) out.push(ignitionProblem(node, c, `${p.at}/path`, `path "${p.path}" is not absolute and normalized`));
    if (!Number.isInteger(p.mode) || p.mode < 0 || p.mode > 0o7777) out.push(ignitionProblem(node, c, `${p.at}/mode`, `mode ${p.mode} is out of range`));
    const other = seen.get(p.path);
    if (other) out.push(ignitionProblem(node, c, `${p.at}/path`, `path "${p.path}" is also written by ${other}`));
    seen.set(p.path, p.at);
  }
  units.forEach((u, i) => {
    if (!/^[^/]+\.(service|socket|timer|target|path|mount|slice|device|swap|scope|automount)$/.test(u.name))
      out.push(ignitionProblem(node, c, `/systemd/units/${i}/name`, `"${u.name}" is not a systemd unit name`));
    (u.dropins ?? []).forEach((d, j) => {
      if (!/^[^/]+\.conf$/.test(d.name)) out.push(ignitionProblem(node, c, `/systemd/units/${i}/dropins/${j}/name`, `drop-in "${d.name}" must end in .conf`));
    });
  });
  return out;
}
