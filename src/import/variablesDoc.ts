// docs/kubespray-variables.md, written from the import table (variables.ts) and Kubespray's defaults
// (data/kubespray-defaults/): the page cannot disagree with what `kspray import kubespray` does.
// test/import/variablesDoc.test.ts keeps the committed page equal to this (UPDATE_GOLDEN=1 rewrites it).
import { kubesprayDefaults } from './kubesprayDefaults.js';
import { PREFIX_RELEVANCE, ROWS } from './variables.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultCell(name: string): string {
  const d = kubesprayDefaults().get(name);
  if (!d) return '—';
  const text = typeof d.value === 'string' ? d.value : JSON.stringify(d.value);
  return `\`${cell(text.length > 60 ? `${text.slice(0, 57)}...` : text)}\``;
}

export function variablesMarkdown(): string {
  const lines = [
    '# Kubespray variables in `kspray import kubespray`',
    '',
    '<!-- Generated from src/import/variables.ts by src/import/variablesDoc.ts; do not edit by hand. -->',
    '',
    "Every variable of a Kubespray inventory goes through this table. When the inventory does not set a",
    "variable, Kubespray's default (column 2, read from `data/kubespray-defaults/`, copied from Kubespray's",
    'roles) goes through the same row, so the imported cluster is the one Kubespray would have built.',
    '',
    '- **Relevant when**: a variable of a choice not in use (a `calico_*` variable under Cilium) is not',
    '  reported and changes nothing.',
    "- A refused value stops the import with exit 2 at the variable's `file:line:col`: the value, why, and",
    '  what to choose instead. Nothing is written.',
    "- A variable without a row: equal to Kubespray's default → nothing to do; `false`, `[]` or `{}` for a",
    "  variable kspray does not know → a feature off, which kspray does not have either; `*_image_repo` →",
    "  kspray pulls the same image from its catalog's repository; `ansible_*` → ignored; anything else is refused.",
    "- A Jinja template is only understood when it is Kubespray's own default, copied verbatim (as the",
    '  sample inventory does) or evaluated by the row (e.g. `dns_min_replicas`); another template is refused.',
    '',
    '| Variable | Kubespray default | cluster.yaml | kspray does | Relevant when |',
    '|---|---|---|---|---|',
    ...ROWS.map((r) => `| \`${r.name}\` | ${defaultCell(r.name)} | ${r.lands ? `\`${cell(r.lands)}\`` : '—'} | ${cell(r.doc)} | ${r.relevant ? cell(r.relevant.doc) : 'always'} |`),
    '',
    '## Variables of a choice, by name',
    '',
    'Without a row of their own, these only count when their choice is in use:',
    '',
    '| Name pattern | Relevant when |',
    '|---|---|',
    ...PREFIX_RELEVANCE.map(([re, rel]) => `| \`${cell(re.source)}\` | ${cell(rel.doc)} |`),
    '| `<name>_*` | `<name>_enabled` is true (e.g. `ntp_package` with `ntp_enabled`) |',
    '',
  ];
  return lines.join('\n');
}
