// Ansible inventories as Kubespray writes them, INI (inventory.ini) or YAML (hosts.yaml), parsed
// into one shape: hosts with their variables, groups with their hosts, children and variables.
// Only what Kubespray's sample inventories use; host ranges (node[1:3]) are refused, not guessed.
import { parse as parseYaml } from 'yaml';
import { inputError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';

export type Vars = Record<string, unknown>;

export interface Group {
  hosts: string[];
  children: string[];
  vars: Vars;
}

export interface Inventory {
  /** Host name → its variables (host vars from every place it is listed, merged). */
  hosts: Map<string, Vars>;
  groups: Map<string, Group>;
}

function group(inv: Inventory, name: string): Group {
  let g = inv.groups.get(name);
  if (!g) {
    g = { hosts: [], children: [], vars: {} };
    inv.groups.set(name, g);
  }
  return g;
}

function addHost(inv: Inventory, groupName: string, host: string, vars: Vars): void {
  inv.hosts.set(host, { ...(inv.hosts.get(host) ?? {}), ...vars });
  const g = group(inv, groupName);
  if (!g.hosts.includes(host)) g.hosts.push(host);
}

/** Ansible's INI values: quoted strings are unquoted; true/false and numbers become what YAML would make them. */
function iniValue(raw: string): unknown {
  if (/^(['"]).*\1$/.test(raw)) return raw.slice(1, -1);
  if (/^(true|True|yes)$/.test(raw)) return true;
  if (/^(false|False|no)$/.test(raw)) return false;
  if (/^-?\d+$/.test(raw)) return Number(raw);
  return raw;
}

/**
 * A host line as Ansible reads it (shlex with comments): words, quoted values, `#` starts a comment.
 * Returns the host name and its key=value variables.
 */
function iniHostLine(line: string, file: string, lineNo: number): { name: string; vars: Vars } {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word += ch;
      inWord = true;
    } else if (ch === '#' && !inWord) {
      break;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw inputError(messages.inventorySyntax(file, lineNo, 'unterminated quote'));
  if (inWord) words.push(word);
  const [name, ...rest] = words;
  const vars: Vars = {};
  for (const w of rest) {
    const eq = w.indexOf('=');
    if (eq < 1) throw inputError(messages.inventorySyntax(file, lineNo, `cannot read "${w}" as key=value`));
    vars[w.slice(0, eq)] = iniValue(w.slice(eq + 1));
  }
  return { name: name!, vars };
}

export function parseIniInventory(text: string, file: string): Inventory {
  const inv: Inventory = { hosts: new Map(), groups: new Map() };
  let section = { name: 'ungrouped', kind: 'hosts' as 'hosts' | 'children' | 'vars' };
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const lineNo = i + 1;
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([^\]:]+)(?::(children|vars))?\]$/.exec(line);
    if (header) {
      section = { name: header[1]!, kind: (header[2] as 'children' | 'vars' | undefined) ?? 'hosts' };
      group(inv, section.name);
      return;
    }
    if (section.kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 1) throw inputError(messages.inventorySyntax(file, lineNo, 'expected key=value in a :vars section'));
      group(inv, section.name).vars[line.slice(0, eq).trim()] = iniValue(line.slice(eq + 1).trim());
      return;
    }
    const { name, vars } = iniHostLine(line, file, lineNo);
    if (section.kind === 'children') {
      const g = group(inv, section.name);
      if (!g.children.includes(name)) g.children.push(name);
      group(inv, name);
      return;
    }
    if (/\[[^\]]*:[^\]]*\]/.test(name)) throw inputError(messages.inventorySyntax(file, lineNo, `host ranges like "${name}" are not supported; list each host`));
    addHost(inv, section.name, name, vars);
  });
  return inv;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function parseYamlInventory(text: string, file: string): Inventory {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw inputError(messages.inventorySyntax(file, 0, (e as Error).message.split('\n')[0]!));
  }
  if (!isRecord(data)) throw inputError(messages.inventorySyntax(file, 0, 'the inventory must be a mapping of groups (all: hosts: / children:)'));
  const inv: Inventory = { hosts: new Map(), groups: new Map() };
  const walk = (name: string, body: unknown) => {
    const g = group(inv, name);
    if (body === null || body === undefined) return;
    if (!isRecord(body)) throw inputError(messages.inventorySyntax(file, 0, `group "${name}" must be a mapping with hosts, children or vars`));
    if (isRecord(body.hosts)) {
      for (const [host, vars] of Object.entries(body.hosts)) addHost(inv, name, host, isRecord(vars) ? vars : {});
    }
    if (isRecord(body.vars)) Object.assign(g.vars, body.vars);
    if (isRecord(body.children)) {
      for (const [child, childBody] of Object.entries(body.children)) {
        if (!g.children.includes(child)) g.children.push(child);
        walk(child, childBody);
      }
    }
  };
  for (const [name, body] of Object.entries(data)) walk(name, body);
  return inv;
}

/** Every host of a group, through its children, in first-seen order. */
export function groupHosts(inv: Inventory, name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const g = inv.groups.get(name);
  if (!g) return [];
  const out = [...g.hosts];
  for (const child of g.children) for (const h of groupHosts(inv, child, seen)) if (!out.includes(h)) out.push(h);
  return out;
}
