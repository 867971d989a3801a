// matchbox's data directory as matchbox reads it: the fields it documents (closed JSON Schema from
// test/fixtures/matchbox/, see its SOURCE.md) and its group selection, written after its tests
// (matchbox/storage/storagepb/group_test.go): a group matches when every selector is among the
// request's labels (extra labels are fine; `mac` normalized to lower-case colons), and the
// matching group with the most selectors wins. A group without selectors matches everything.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';

const SCHEMA = JSON.parse(readFileSync(new URL('../fixtures/matchbox/matchbox-fields.schema.json', import.meta.url), 'utf8'));

export function matchboxFieldErrors(kind: 'profile' | 'group', doc: unknown): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile({ ...SCHEMA, $ref: `#/definitions/${kind}` });
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

interface Group { id: string; profile: string; selector?: Record<string, string> }
export interface MatchboxDir { groups: Group[]; profiles: Map<string, { id: string; ignition_id?: string; boot?: { kernel: string; initrd: string[]; args: string[] } }>; ignition: Map<string, string> }

export function readMatchboxDir(dir: string): MatchboxDir {
  const json = (sub: string) => readdirSync(join(dir, sub)).sort().map((f) => JSON.parse(readFileSync(join(dir, sub, f), 'utf8')));
  return {
    groups: json('groups'),
    profiles: new Map(json('profiles').map((p) => [p.id, p])),
    ignition: new Map(readdirSync(join(dir, 'ignition')).map((f) => [f, readFileSync(join(dir, 'ignition', f), 'utf8')])),
  };
}

const normalize = (labels: Record<string, string>) =>
  Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, k.toLowerCase() === 'mac' ? v.toLowerCase().replace(/-/g, ':') : v]));

/** The group matchbox selects for a request's labels (query parameters), or undefined. */
export function selectGroup(groups: Group[], labels: Record<string, string>): Group | undefined {
  const l = normalize(labels);
  const size = (g: Group) => Object.keys(g.selector ?? {}).length;
  const matching = groups.filter((g) => Object.entries(g.selector ?? {}).every(([k, v]) => l[k] === v));
  const best = Math.max(...matching.map(size));
  const winners = matching.filter((g) => size(g) === best);
  // matchbox itself breaks such a tie by sort order; kspray must never write one (its docs: not deterministic).
  if (winners.length > 1) throw new Error(`ambiguous matchbox groups for ${JSON.stringify(labels)}: ${winners.map((g) => g.id).join(', ')}`);
  return winners[0];
}

/** Query string of a URL (iPXE variables already expanded by the caller) as labels. */
export function queryLabels(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams.entries());
}
