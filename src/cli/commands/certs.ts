// `kspray certs check|renew`: expiry table of every CA and leaf certificate of a rendered cluster; leaf renewal as an append-only bundle record.
import type { Command } from 'commander';
import { join } from 'node:path';
import { createExclusive, readTextFile, readTree } from '../../io/files.js';
import { compileSpec } from '../../compileSpec.js';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { certExpiries, certsCheckReport, formatExpiryTable, selectRenewals, type CertExpiry } from '../../lifecycle/certs.js';
import { outputFormat, reportText } from '../../text/jsonReport.js';
import type { ClusterModel } from '../../model/model.js';

interface CheckOptions {
  file: string;
  out: string;
  warnDays: string;
  at?: string;
  output: string;
}

function nonNegativeInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new KsprayError('input', [{ rule: 'invalid-flag', message: `${flag} "${text}" is not a whole number of days`, hint: `e.g. ${flag} 30` }]);
  return Number(text);
}

/** The bundle's certificates, leafs dated from their latest renewal, as render issues them. */
async function expiries(model: ClusterModel, files: Map<string, string>, secretsDir: string, now: Date, warnDays: number): Promise<CertExpiry[]> {
  // Loaded here: only commands that issue certificates need the PKI libraries.
  const { issuePki, leafKeyNames } = await import('../../secrets/index.js');
  const { loadBundle } = await import('../../secrets/loadBundle.js');
  const bundle = loadBundle(files, secretsDir);
  const missing = leafKeyNames(model).filter((n) => !bundle.leafKeys.has(n));
  if (missing.length) throw new KsprayError('input', [messages.certsLeafKeysMissing(missing)]);
  const pki = await issuePki(model, bundle);
  return certExpiries(pki.certificates, now, warnDays);
}

function loadCluster(file: string, out: string): { model: ClusterModel; files: Map<string, string>; secretsDir: string } {
  const model = compileSpec(readTextFile(file), file);
  const secretsDir = join(out, model.name, 'secrets');
  const files = readTree(secretsDir);
  if (!files || files.size === 0) {
    throw new KsprayError('input', [{ ...messages.cannotRead(secretsDir, 'ENOENT'), hint: `No secrets bundle: run \`kspray render -f ${file}\` first, or point --out at the outputs directory.` }]);
  }
  return { model, files, secretsDir };
}

interface RenewOptions {
  file: string;
  out: string;
  only?: string;
  expiringWithin?: string;
}

async function renew(opts: RenewOptions): Promise<void> {
  const within = opts.expiringWithin === undefined ? undefined : nonNegativeInt('--expiring-within', opts.expiringWithin);
  const { model, files, secretsDir } = loadCluster(opts.file, opts.out);
  // Whole seconds: the record's file name is its time.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const rows = await expiries(model, files, secretsDir, now, 0);
  const only = opts.only?.split(',').map((n) => n.trim()).filter(Boolean);
  const { names, unknown, cas } = selectRenewals(rows, { only, expiringWithinDays: within });
  if (cas.length) throw new KsprayError('input', [messages.certsRenewCa(cas)]);
  if (unknown.length) throw new KsprayError('input', [messages.certsRenewUnknown(unknown, rows.filter((r) => r.issuer !== 'self').map((r) => r.name))]);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  if (names.length === 0) return void err('kspray: no leaf certificate to renew');
  const { renewalToFile } = await import('../../secrets/renewals.js');
  createExclusive(secretsDir, [renewalToFile({ renewedAt: now, names })], 0o700);
  const renewed = (await expiries(model, readTree(secretsDir)!, secretsDir, now, 0)).filter((r) => names.includes(r.name));
  process.stdout.write(formatExpiryTable(renewed));
  err(`kspray: renewed ${names.length} leaf certificate(s) as of ${now.toISOString()} (same keys, CAs untouched), recorded in ${secretsDir}/renewals/`);
  err(`kspray: next: kspray render -f ${opts.file}: control-plane payloads and kubeconfigs change, worker payloads do not. Running control planes keep their old certificates until re-provisioned one at a time (in-place delivery through the API is not implemented yet).`);
}

async function check(opts: CheckOptions): Promise<void> {
  const output = outputFormat(opts.output);
  const warnDays = nonNegativeInt('--warn-days', opts.warnDays);
  const now = opts.at === undefined ? new Date() : new Date(opts.at);
  if (Number.isNaN(now.getTime())) throw new KsprayError('input', [{ rule: 'invalid-flag', message: `--at "${opts.at}" is not a date`, hint: 'e.g. --at 2027-01-15 or --at 2027-01-15T12:00:00Z' }]);
  const { model, files, secretsDir } = loadCluster(opts.file, opts.out);
  const rows = await expiries(model, files, secretsDir, now, warnDays);
  process.stdout.write(output === 'json' ? reportText(certsCheckReport(model.name, rows, now, warnDays)) : formatExpiryTable(rows));
  process.stderr.write('kspray: kubelet client and serving certificates are not in the bundle: kubelets rotate them through the cluster (rotateCertificates).\n');
  const bad = rows.filter((r) => r.status !== 'ok');
  if (bad.length) throw new KsprayError('failure', [messages.certsExpiring(bad.length, warnDays)]);
}

export function register(program: Command): void {
  const certs = program.command('certs').description('certificate lifecycle of a rendered cluster (the secrets bundle)');
  certs
    .command('check')
    .description(
      'print name, issuer, expiry and days left of every CA and leaf certificate. Exit 0: none expires within ' +
        '--warn-days; 1: some expired or expire within --warn-days (table still printed); 2: bad input',
    )
    .requiredOption('-f, --file <path>', 'cluster spec')
    .option('-o, --out <dir>', 'outputs directory holding <cluster>/secrets', 'outputs')
    .option('--warn-days <days>', 'fail when a certificate has fewer days left', '30')
    .option('--at <date>', 'evaluate as of this date instead of now (e.g. the next maintenance window)')
    .option('--output <format>', 'text or json (schema: schema/certs-check.schema.json); the exit code is the same', 'text')
    .action(check);
  certs
    .command('renew')
    .description(
      'renew leaf certificates (never CAs) by recording a renewal in the bundle (append-only, same keys); ' +
        'then kspray render writes them into the control-plane payloads and kubeconfigs',
    )
    .requiredOption('-f, --file <path>', 'cluster spec')
    .option('-o, --out <dir>', 'outputs directory holding <cluster>/secrets', 'outputs')
    .option('--only <names>', 'comma-separated leaf names from `kspray certs check` (default: every leaf)')
    .option('--expiring-within <days>', 'only leafs with fewer days left')
    .action(renew);
}
