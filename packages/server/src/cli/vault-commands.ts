import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { verifyChain } from '../audit/chain.js';
import { createClient } from '../clients/service.js';
import { VAULT_TYPES, type VaultType } from '../vault/formats.js';
import { rotateDataKey } from '../vault/rotate.js';
import { StrictStop, tokenizeCsv } from '../vault/tokenize-csv.js';
import { CliError, type Command, printJson, UsageError } from './usage.js';
import { withContext } from './with-context.js';

/** Progress on stderr: one rewritten line on a terminal, a line a second otherwise. */
function progressReporter(label: string) {
  const started = Date.now();
  let last = 0;
  const tty = process.stderr.isTTY === true;
  return {
    update(done: number, fraction: number | undefined, force = false) {
      const now = Date.now();
      if (!force && now - last < (tty ? 200 : 1000)) return;
      last = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const eta =
        fraction !== undefined && fraction > 0 && fraction < 1
          ? `ETA ${Math.ceil((seconds / fraction) * (1 - fraction))}s`
          : 'ETA -';
      const pct = fraction === undefined ? '' : `${Math.min(100, fraction * 100).toFixed(1)}%  `;
      const line = `${label}: ${done} rows  ${Math.round(rate)} rows/s  ${pct}${eta}`;
      process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    end() {
      if (tty) process.stderr.write('\n');
      return (Date.now() - started) / 1000;
    },
  };
}

const clientCreate: Command = {
  name: 'client create',
  summary: 'register a service client; prints its id and secret (shown only this once)',
  usage: 'tessera client create --name N --scopes "vault:tokenize vault:detokenize …"',
  options: { name: { type: 'string' }, scopes: { type: 'string' } },
  async run({ values }) {
    if (typeof values.name !== 'string') throw new UsageError('--name is required');
    if (typeof values.scopes !== 'string') throw new UsageError('--scopes is required');
    await withContext(async (ctx) => {
      try {
        const created = await createClient(ctx, values.name as string, values.scopes as string);
        printJson({ client_id: created.client_id, client_secret: created.client_secret });
      } catch (err) {
        if (err instanceof TypeError) throw new UsageError(err.message);
        throw err;
      }
    });
  },
};

const auditVerify: Command = {
  name: 'audit verify',
  summary: 'check the audit log hash chain; prints the first broken link, if any',
  usage: 'tessera audit verify',
  async run() {
    await withContext(async (ctx) => {
      const report = await verifyChain(ctx.store, ctx.masterKey);
      if (!report.ok && report.broken) {
        printJson(report);
        throw new CliError(`broken link at seq ${report.broken.seq}: ${report.broken.reason}`);
      }
      printJson(report);
    });
  },
};

const tokenizeCsvCommand: Command = {
  name: 'vault tokenize-csv',
  summary: 'stream IN.csv to stdout with column C replaced by vault tokens; progress on stderr',
  usage:
    'tessera vault tokenize-csv --type T --column C [--owner ID] [--deterministic] [--strict] [--batch N] IN.csv',
  options: {
    type: { type: 'string' },
    column: { type: 'string' },
    owner: { type: 'string' },
    deterministic: { type: 'boolean' },
    strict: { type: 'boolean' },
    batch: { type: 'string' },
  },
  async run({ values, positionals }) {
    const type = values.type;
    if (typeof type !== 'string' || !(VAULT_TYPES as readonly string[]).includes(type)) {
      throw new UsageError(`--type must be one of ${VAULT_TYPES.join(', ')}`);
    }
    if (typeof values.column !== 'string' || values.column === '') {
      throw new UsageError('--column is required');
    }
    const file = positionals[0];
    if (file === undefined || positionals.length > 1)
      throw new UsageError('give exactly one CSV file');
    const batchSize = values.batch === undefined ? 500 : Number(values.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
      throw new UsageError('--batch must be a whole number from 1 to 1000');
    }
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    await withContext(async (ctx) => {
      const input = createReadStream(file);
      const progress = progressReporter('tokenize-csv');
      try {
        const summary = await tokenizeCsv(ctx.vault, input, process.stdout, {
          type: type as VaultType,
          column: values.column as string,
          owner: typeof values.owner === 'string' ? values.owner : 'cli',
          deterministic: values.deterministic === true,
          strict: values.strict === true,
          batchSize,
          bytesRead: () => input.bytesRead,
          onProgress: ({ rows, bytes }) =>
            progress.update(rows, size > 0 ? bytes / size : undefined),
          onBadRow: (line, reason) => process.stderr.write(`line ${line}: ${reason}\n`),
        });
        progress.update(summary.rows, 1, true);
        const seconds = progress.end();
        process.stderr.write(
          `done: ${summary.rows} rows, ${summary.tokenized} tokenized, ${summary.bad} bad, ${seconds.toFixed(1)}s\n`,
        );
      } catch (err) {
        progress.end();
        input.destroy();
        if (err instanceof StrictStop) throw new CliError(err.message);
        throw err;
      }
    });
  },
};

const rotateKey: Command = {
  name: 'vault rotate-key',
  summary: 'new vault data key; re-encrypts every record in batches (Ctrl-C stops, rerun resumes)',
  usage: 'tessera vault rotate-key [--batch N] [--settle SECONDS]',
  options: { batch: { type: 'string' }, settle: { type: 'string' } },
  async run({ values }) {
    const batchSize = values.batch === undefined ? 500 : Number(values.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new UsageError('--batch must be a whole number from 1 to 10000');
    }
    // How long running servers may go on sealing under the old key (their key refresh).
    const settle = values.settle === undefined ? 6 : Number(values.settle);
    if (!Number.isFinite(settle) || settle < 0 || settle > 600) {
      throw new UsageError('--settle must be a number of seconds from 0 to 600');
    }
    await withContext(async (ctx) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const progress = progressReporter('rotate-key');
      try {
        const result = await rotateDataKey(ctx.vault, ctx.store, {
          batchSize,
          settleMs: settle * 1000,
          signal: controller.signal,
          onProgress: ({ done, total }) => progress.update(done, total > 0 ? done / total : 1),
        });
        progress.end();
        printJson(result);
        if (result.interrupted) {
          throw new CliError(`interrupted; run "tessera vault rotate-key" again to resume`);
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
  },
};

/** The vault, service-client and audit commands (SPEC §3). */
export const VAULT_COMMANDS: readonly Command[] = [
  clientCreate,
  tokenizeCsvCommand,
  rotateKey,
  auditVerify,
];
