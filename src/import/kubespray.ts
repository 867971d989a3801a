// `kspray import kubespray DIR`: a Kubespray inventory directory (hosts.yaml or inventory.ini plus
// group_vars) → a kspray Cluster spec, the cluster Kubespray would have built from it. Pure: the
// CLI reads the directory (readTree) and writes the result.
//
// Every variable goes through the table in variables.ts, with Kubespray's own default
// (kubesprayDefaults.ts) when the inventory is silent. A value kspray cannot carry is never swapped
// for another working choice (a migration that swaps cilium for calico breaks a live cluster): it
// is refused, and `assertImportable` turns the refusals into exit 2 with file:line:col, the value,
// why, and what to choose instead. Nothing is written then.
import { Document, LineCounter, parseDocument, Scalar, isMap, isScalar, isSeq } from 'yaml';
import { KsprayError, inputError, type Problem } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { DEFAULTS } from '../model/defaults.js';
import { API_VERSION, SUPPORTED_OS, type OsName } from '../api/v1alpha1/types.js';
import { END_OF_LIFE } from '../api/v1alpha1/endOfLife.js';
import { groupHosts, parseIniInventory, parseYamlInventory, type Inventory } from './inventory.js';
import { isTemplate, kubesprayDefaults } from './kubesprayDefaults.js';
import { ROWS, ROW_BY_NAME, families, relevanceByPrefix, type Choices, type Ctx, type Verdict } from './variables.js';

/**
 * refused: kspray cannot carry it (the import stops). changed: the inventory's value, different
 * from Kubespray's default, written. defaulted: the inventory is silent (or at Kubespray's default)
 * and kspray writes Kubespray's default, or keeps its own behaviour for a stated reason.
 * unchanged: at Kubespray's default, and kspray does the same. ignored: steers Ansible only.
 */
export type ReportStatus = 'refused' | 'changed' | 'defaulted' | 'unchanged' | 'ignored';

export interface ReportEntry {
  variable: string;
  /** File the value came from (relative to the inventory dir); empty for Kubespray's defaults. */
  source: string;
  /** 1-based position of the variable in its file, when known. */
  position?: { line: number; col: number };
  value?: unknown;
  status: ReportStatus;
  detail: string;
  /** For refusals: what to choose instead. */
  instead?: string;
}

export interface ImportResult {
  /** The cluster spec as a plain object (kspray.dev/v1alpha1). */
  spec: Record<string, unknown>;
  report: ReportEntry[];
  inventoryFile: string;
}

export interface ImportOptions {
  /** metadata.name; Kubespray has no DNS-1123 cluster name (cluster_name is the DNS domain). */
  name: string;
  /** os: of every node (Kubespray inventories do not say). Default: kspray's default. */
  os?: OsName;
}

const INVENTORY_FILES = ['hosts.yaml', 'hosts.yml', 'inventory.ini', 'hosts.ini', 'hosts'];
/** Current group names first, then the legacy ones Kubespray still accepts. */
const CONTROL_PLANE_GROUPS = ['kube_control_plane', 'kube-master', 'kube_master'];
const NODE_GROUPS = ['kube_node', 'kube-node'];
const CLUSTER_GROUPS = ['k8s_cluster', 'k8s-cluster'];

interface GivenVar {
  value: unknown;
  source: string;
  position?: { line: number; col: number };
}

interface Layer {
  source: string;
  vars: Map<string, GivenVar>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const yamlFile = (p: string) => /\.ya?ml$/.test(p);

/** A group_vars file: its variables with the position of each key (for file:line:col in refusals). */
function readVarsFile(path: string, text: string): Map<string, GivenVar> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) throw inputError(messages.badGroupVars(path, doc.errors[0]!.message.split('\n')[0]!));
  const out = new Map<string, GivenVar>();
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return out; // comments only, as in the sample
  if (!isMap(doc.contents)) throw inputError(messages.badGroupVars(path, 'not a mapping'));
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const offset = isScalar(pair.key) && pair.key.range ? pair.key.range[0] : undefined;
    const value = (doc.toJS() as Record<string, unknown>)[key];
    out.set(key, { value, source: path, ...(offset !== undefined ? { position: lines.linePos(offset) } : {}) });
  }
  return out;
}

/** group_vars/<group>.yml and group_vars/<group>/*.yml, in name order (Ansible's order). */
function groupVarsFiles(files: Map<string, string>, groupNames: string[]): Layer[] {
  const paths = [...files.keys()]
    .filter((p) => yamlFile(p) && groupNames.some((g) => p === `group_vars/${g}.yml` || p === `group_vars/${g}.yaml` || p.startsWith(`group_vars/${g}/`)))
    .sort();
  return paths.map((p) => ({ source: p, vars: readVarsFile(p, files.get(p)!) }));
}

function loadInventory(files: Map<string, string>, dir: string): { inv: Inventory; file: string } {
  const file = INVENTORY_FILES.find((f) => files.has(f));
  if (!file) throw inputError(messages.noInventory(dir));
  const text = files.get(file)!;
  const yaml = file.endsWith('.yaml') || file.endsWith('.yml') || (file === 'hosts' && !/^\s*\[/m.test(text));
  return { inv: yaml ? parseYamlInventory(text, file) : parseIniInventory(text, file), file };
}

const firstGroup = (inv: Inventory, names: string[]): string[] => {
  const out: string[] = [];
  for (const n of names) for (const h of groupHosts(inv, n)) if (!out.includes(h)) out.push(h);
  return out;
};

/** Kubespray's node_taints entries: "key=value:Effect" or "key:Effect". */
const TAINT = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = root;
  for (const k of keys.slice(0, -1)) {
    if (!isRecord(o[k])) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]!] = value;
}

export function importKubespray(files: Map<string, string>, dir: string, options: ImportOptions): ImportResult {
  // Checked here, not only by the CLI: a spec written with an OS kspray refuses would fail its own validate.
  if (options.os !== undefined) assertImportOs(options.os);
  const { inv, file: inventoryFile } = loadInventory(files, dir);
  const report: ReportEntry[] = [];
  const fromInventory = (vars: Record<string, unknown>, source: string): Map<string, GivenVar> =>
    new Map(Object.entries(vars).map(([k, value]) => [k, { value, source }]));

  // Variable layers, lowest precedence first (Ansible: inventory group vars < group_vars files,
  // the all group < a child group). Other groups' files (etcd, kube_control_plane...) sit between
  // all and k8s_cluster: their variables describe the same cluster.
  const otherGroups = [...new Set([...files.keys()].filter((p) => p.startsWith('group_vars/') && yamlFile(p)).map((p) => p.split('/')[1]!.replace(/\.ya?ml$/, '')))]
    .filter((g) => g !== 'all' && !CLUSTER_GROUPS.includes(g))
    .sort();
  const layers: Layer[] = [
    { source: `${inventoryFile} [all:vars]`, vars: fromInventory(inv.groups.get('all')?.vars ?? {}, `${inventoryFile} [all:vars]`) },
    ...groupVarsFiles(files, ['all']),
    ...groupVarsFiles(files, otherGroups),
    ...CLUSTER_GROUPS.map((g) => ({ source: `${inventoryFile} [${g}:vars]`, vars: fromInventory(inv.groups.get(g)?.vars ?? {}, `${inventoryFile} [${g}:vars]`) })),
    ...groupVarsFiles(files, CLUSTER_GROUPS),
  ];
  const given = new Map<string, GivenVar>();
  for (const layer of layers) for (const [k, v] of layer.vars) given.set(k, v);

  // ---- hosts and roles
  const controlPlanes = firstGroup(inv, CONTROL_PLANE_GROUPS);
  if (controlPlanes.length === 0) throw inputError(messages.noControlPlaneHosts(inventoryFile));
  const workers = firstGroup(inv, NODE_GROUPS);
  const etcdHosts = groupHosts(inv, 'etcd');
  const cluster = [...controlPlanes, ...workers].filter((h, i, all) => all.indexOf(h) === i);

  // ---- effective values: the inventory's, else Kubespray's default
  const defaults = kubesprayDefaults();
  /** A template copied verbatim from Kubespray's defaults (the sample does this) is no choice. */
  const isGiven = (name: string) => {
    const g = given.get(name);
    return g !== undefined && !(isTemplate(g.value) && same(g.value, defaults.get(name)?.value));
  };
  const resolving = new Set<string>();
  const value = (name: string): unknown => (isGiven(name) && !isTemplate(given.get(name)!.value) ? given.get(name)!.value : kubesprayDefault(name));
  /** Kubespray's default for this inventory: the data, or the row's evaluation of its template. */
  const kubesprayDefault = (name: string): unknown => {
    const row = ROW_BY_NAME.get(name);
    if (row?.resolveDefault && !resolving.has(name)) {
      resolving.add(name);
      try {
        return row.resolveDefault(ctx);
      } finally {
        resolving.delete(name);
      }
    }
    const d = defaults.get(name)?.value;
    return isTemplate(d) ? undefined : d;
  };
  const choices: Choices = {
    plugin: String(value('kube_network_plugin')),
    runtime: String(value('container_manager')),
    apiLoadBalancer: isGiven('loadbalancer_apiserver') ? 'external' : value('kube_vip_enabled') === true ? 'kube-vip' : 'localhost',
    multus: value('kube_network_plugin_multus') === true,
  };
  const ctx: Ctx = { value, given: isGiven, kubesprayDefault, choices, hosts: { controlPlanes, etcd: etcdHosts, workers, cluster }, ...(options.os ? { os: options.os } : {}) };

  // ---- the table
  const spec: Record<string, unknown> = {};
  const entry = (variable: string, status: ReportStatus, detail: string, extra: Partial<ReportEntry> = {}) => {
    const g = isGiven(variable) ? given.get(variable) : undefined;
    report.push({
      variable,
      source: g?.source ?? '',
      ...(g?.position ? { position: g.position } : {}),
      value: g ? g.value : value(variable),
      status,
      detail,
      ...extra,
    });
  };
  const record = (variable: string, verdict: Verdict) => {
    const atDefault = !isGiven(variable) || same(given.get(variable)!.value, kubesprayDefault(variable));
    if ('refuse' in verdict) return entry(variable, 'refused', verdict.refuse, { instead: verdict.instead });
    // Absent and nothing to write: nothing for the user to look at.
    if ('ignore' in verdict) return isGiven(variable) ? entry(variable, 'ignored', verdict.ignore) : undefined;
    if ('own' in verdict) return entry(variable, 'defaulted', `kspray's own: ${verdict.own}`);
    if ('same' in verdict) return isGiven(variable) ? entry(variable, atDefault ? 'unchanged' : 'changed', verdict.same) : undefined;
    for (const [path, v] of verdict.set) setPath(spec, path, v);
    const written = verdict.set.map(([path, v]) => `${path}: ${JSON.stringify(v)}`).join(', ');
    const note = verdict.note ? `; ${verdict.note}` : '';
    if (!isGiven(variable)) return entry(variable, 'defaulted', `Kubespray's default, written: ${written}${note}`);
    return entry(variable, atDefault ? 'unchanged' : 'changed', `${written}${note}`);
  };
  const templateRefusal = (variable: string) =>
    entry(variable, 'refused', `a Jinja expression (${String(given.get(variable)!.value)}) kspray does not evaluate`, { instead: 'the value it evaluates to' });

  for (const row of ROWS) {
    if (row.relevant && !row.relevant.when(ctx)) continue;
    const g = given.get(row.name);
    if (isGiven(row.name) && isTemplate(g!.value)) {
      const verdict = row.apply(g!.value, ctx);
      if ('ignore' in verdict) record(row.name, verdict);
      else templateRefusal(row.name);
      continue;
    }
    const v = value(row.name);
    if (v === undefined && !isGiven(row.name)) continue; // no default kspray can read: the row's doc says what happens
    record(row.name, row.apply(v, ctx));
  }

  // ---- variables without a row
  for (const [name, g] of given) {
    if (ROW_BY_NAME.has(name)) continue;
    if (name.startsWith('ansible_')) {
      report.push({ variable: name, source: g.source, value: g.value, status: 'ignored', detail: 'Ansible connection setting: kspray never connects to nodes' });
      continue;
    }
    const relevance = relevanceByPrefix(name);
    if (relevance && !relevance.when(ctx)) continue;
    const def = defaults.get(name);
    if (def && same(g.value, def.value)) {
      report.push({ variable: name, source: g.source, value: g.value, status: 'unchanged', detail: "Kubespray's default" });
      continue;
    }
    // Where to pull an image from (Kubespray CI points nginx at quay.io/kubespray/nginx): the same
    // image kspray pins in its catalog, so the cluster is the same.
    if (/_image_repo$/.test(name)) {
      report.push({ variable: name, source: g.source, value: g.value, status: 'defaulted', detail: "kspray's own: the image comes from the repository of kspray's catalog (same image and tag); registry_host or containerd_registries_mirrors pull it through another registry" });
      continue;
    }
    // Not among the defaults kspray reads (a role it does not vendor): false, [] or {} switches a
    // Kubespray feature off or adds nothing, which is what kspray does without it.
    if (!def && (g.value === false || same(g.value, []) || same(g.value, {}))) {
      report.push({ variable: name, source: g.source, value: g.value, status: 'unchanged', detail: 'off / empty: kspray has no such feature either' });
      continue;
    }
    report.push({
      variable: name,
      source: g.source,
      ...(g.position ? { position: g.position } : {}),
      value: g.value,
      status: 'refused',
      detail: `kspray has no setting for ${name}`,
      instead: def && !isTemplate(def.value) ? `remove it (Kubespray's default: ${JSON.stringify(def.value)})` : 'remove it',
    });
  }

  // ---- nodes: control planes in inventory order (the first one runs kubeadm init, as Kubespray's
  // first kube_control_plane host does), then etcd-only hosts, then workers.
  const external = (spec.etcd as Record<string, unknown> | undefined)?.topology === 'external';
  const order = [...controlPlanes, ...(external ? etcdHosts : []), ...workers].filter((h, i, all) => all.indexOf(h) === i);
  const nodes = order.map((host) => {
    const hv = inv.hosts.get(host) ?? {};
    const { ipv4, ipv6 } = families(ctx);
    const addressVar = ['ip', 'access_ip', 'ansible_host'].find((k) => hv[k] !== undefined && hv[k] !== '');
    if (ipv4 && !addressVar) throw inputError(messages.hostWithoutAddress(host, inventoryFile));
    // IPv6: Kubespray's ip6 (else access_ip6); dual-stack nodes get "IPv4,IPv6" in the subnets' order.
    const address6Var = ['ip6', 'access_ip6'].find((k) => hv[k] !== undefined && hv[k] !== '');
    if (ipv6 && !address6Var) throw inputError(messages.hostWithoutAddress6(host, inventoryFile));
    const addresses = [...(ipv4 ? [String(hv[addressVar!])] : []), ...(ipv6 ? [String(hv[address6Var!])] : [])].join(',');
    const node: Record<string, unknown> = { name: host, address: addresses };
    const roles: string[] = [];
    if (controlPlanes.includes(host)) roles.push('control-plane');
    if (external ? etcdHosts.includes(host) : controlPlanes.includes(host)) roles.push('etcd');
    if (workers.includes(host)) roles.push('worker');
    if (options.os) node.os = options.os;
    for (const [k, v] of Object.entries(hv)) {
      const variable = `${host}: ${k}`;
      const hostEntry = (status: ReportStatus, detail: string, instead?: string) =>
        report.push({ variable, source: inventoryFile, value: v, status, detail, ...(instead ? { instead } : {}) });
      if (k === addressVar || k === address6Var) hostEntry('unchanged', 'address');
      else if (k === 'ip' || k === 'access_ip' || k === 'ansible_host' || k === 'ip6' || k === 'access_ip6') hostEntry('ignored', `${k.endsWith('6') ? address6Var : addressVar} is the node address`);
      else if (k.startsWith('ansible_')) hostEntry('ignored', 'Ansible connection setting');
      else if (k === 'etcd_member_name') hostEntry('ignored', 'kspray names etcd members after their nodes');
      else if (k === 'node_labels' && isRecord(v)) {
        node.labels = Object.fromEntries(Object.entries(v).map(([lk, lv]) => [lk, String(lv)]));
        hostEntry('changed', 'labels');
      } else if (k === 'node_taints' && Array.isArray(v) && v.every((t) => typeof t === 'string' && TAINT.test(t))) {
        node.taints = v.map((t: string) => {
          const m = TAINT.exec(t)!;
          return { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect: m[3]! };
        });
        hostEntry('changed', 'taints');
      } else hostEntry('refused', `host variable ${k} has no kspray equivalent`, 'remove it');
    }
    const { name, address, ...rest } = node;
    return { name, address, roles, ...rest };
  });
  if (!options.os) report.push({ variable: 'os', source: '', status: 'defaulted', detail: `Kubespray inventories do not say: every node gets os: ${DEFAULTS.node.os}; pass --os or set os per node` });

  const out: Record<string, unknown> = {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata: { name: options.name },
    spec: pruneEmpty({ ...spec, nodes }),
  };
  return { spec: out, report, inventoryFile };
}

/** exit 2 with every refusal at its file:line:col, naming the variable, its value, why and what instead. */
export function assertImportable(result: ImportResult): void {
  const refused = result.report.filter((e) => e.status === 'refused');
  if (refused.length === 0) return;
  const problems: Problem[] = refused.map((e) => ({
    ...messages.kubesprayRefused(e.variable, e.value, e.source ? e.detail : `${e.detail} (Kubespray's default: the inventory does not set it)`, e.instead ?? ''),
    file: e.source.replace(/ \[.*\]$/, '') || undefined,
    ...(e.position ? { position: e.position } : {}),
  }));
  throw new KsprayError('input', problems);
}

export const isSupportedOs = (os: string): os is OsName => (SUPPORTED_OS as readonly string[]).includes(os);

/** `--os` as given: an OS kspray builds, or exit 2 (an end-of-life release names the one to use instead). */
export function assertImportOs(os: string): asserts os is OsName {
  if (isSupportedOs(os)) return;
  const eol = END_OF_LIFE[os];
  throw new KsprayError('input', [eol ? messages.osEndOfLife(os, eol.date, eol.instead) : messages.unknownImportOs(os, [...SUPPORTED_OS])]);
}

function pruneEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => !(isRecord(v) && Object.keys(v).length === 0)));
}

/** A DNS-1123 label from the inventory directory name (inventory/mycluster → mycluster). */
export function clusterNameFromDir(dir: string): string {
  const base = dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  const name = base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return name || 'imported';
}

/** cluster.yaml text: built as objects, a header comment naming the source, nodes in flow style. */
export function importToYaml(result: ImportResult, dir = '.'): string {
  const doc = new Document(result.spec);
  const own = result.report.filter((r) => r.status === 'defaulted' && r.detail.startsWith("kspray's own"));
  doc.commentBefore = [
    ` Imported by kspray import kubespray from ${dir}/${result.inventoryFile} and its group_vars,`,
    " with Kubespray's defaults where the inventory is silent. Check it with: kspray validate -f cluster.yaml",
    ...(own.length ? [' Where kspray keeps its own behaviour (see the report):', ...own.map((r) => `   ${r.variable}: ${r.detail.replace(/^kspray's own: /, '')}`)] : []),
  ].join('\n');
  const version = doc.getIn(['spec', 'kubernetes', 'version'], true);
  if (version instanceof Scalar) version.type = Scalar.QUOTE_DOUBLE;
  const nodes = doc.getIn(['spec', 'nodes'], true);
  if (isSeq(nodes)) for (const n of nodes.items) if (isMap(n)) n.flow = true;
  return doc.toString({ lineWidth: 0 });
}

/**
 * The report for the user's eyes: what kspray changed from Kubespray's defaults, then where it
 * applied a default (Kubespray's, or its own with the reason); what equals Kubespray's default and
 * what only steers Ansible are counted on one line each. Variables of choices not in use are not
 * mentioned at all. Refusals are errors (assertImportable), listed first when present.
 */
export function formatReport(report: ReportEntry[]): string {
  const lines: string[] = [];
  const where = (e: ReportEntry) => (e.source ? ` [${e.source}${e.position ? `:${e.position.line}` : ''}]` : '');
  for (const [status, title] of [
    ['refused', 'refused (kspray cannot carry these)'],
    ['changed', "changed from Kubespray's defaults"],
    ['defaulted', 'defaulted (the inventory is silent or at the default, and kspray writes or keeps this)'],
  ] as const) {
    const entries = report.filter((r) => r.status === status);
    if (!entries.length) continue;
    lines.push(`${title} (${entries.length}):`);
    for (const e of entries) {
      const value = e.value === undefined || status === 'defaulted' ? '' : ` = ${JSON.stringify(e.value)}`;
      lines.push(`  ${e.variable}${value}${where(e)}: ${e.detail}${e.instead ? `; instead: ${e.instead}` : ''}`);
    }
  }
  const unchanged = report.filter((r) => r.status === 'unchanged').length;
  if (unchanged) lines.push(`at Kubespray's default, same in kspray: ${unchanged} variable(s)`);
  const ignored = report.filter((r) => r.status === 'ignored');
  if (ignored.length) lines.push(`ignored (Ansible only): ${ignored.map((e) => e.variable).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
