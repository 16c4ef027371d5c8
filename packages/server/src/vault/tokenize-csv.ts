import type { Readable, Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import type { VaultType } from './formats.js';
import { isItemError, type Vault } from './service.js';

export interface CsvOptions {
  type: VaultType;
  /** Header name of the column to tokenize. */
  column: string;
  owner: string;
  deterministic?: boolean;
  /** Stop at the first bad row instead of reporting and skipping it. */
  strict?: boolean;
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (p: { rows: number; bytes: number }) => void;
  /** A row that was not written: its line number and why (never its value). */
  onBadRow?: (line: number, reason: string) => void;
  /** Bytes read so far from the input, for progress. */
  bytesRead?: () => number;
}

export interface CsvSummary {
  rows: number;
  tokenized: number;
  bad: number;
}

/** A bad row under `--strict`: the run stops there. */
export class StrictStop extends Error {
  override name = 'StrictStop';
}

/**
 * Streams a CSV file (RFC 4180, a header row) to `output` with one column replaced by
 * vault tokens, a batch at a time; memory stays flat whatever the file's size. Rows whose
 * value is invalid (or that are malformed CSV) are reported by line number and left out.
 */
export async function tokenizeCsv(
  vault: Vault,
  input: Readable,
  output: Writable,
  options: CsvOptions,
): Promise<CsvSummary> {
  const batchSize = options.batchSize ?? 500;
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      relax_column_count: false,
      skip_records_with_error: options.strict !== true,
    }),
  );
  const summary: CsvSummary = { rows: 0, tokenized: 0, bad: 0 };
  const bad = (line: number, reason: string) => {
    summary.bad += 1;
    if (options.strict) throw new StrictStop(`line ${line}: ${reason}`);
    options.onBadRow?.(line, reason);
  };
  parser.on('skip', (err: { lines?: number; code?: string }) => {
    summary.bad += 1;
    options.onBadRow?.(err.lines ?? 0, `malformed CSV (${err.code ?? 'parse error'})`);
  });

  let header: string[] | undefined;
  let index = -1;
  let batch: Array<{ record: string[]; line: number }> = [];

  const write = async (text: string) => {
    if (!output.write(text)) await new Promise((r) => output.once('drain', r));
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const todo = batch.filter((b) => b.record[index] !== '');
    const results = await vault.tokenize(
      options.owner,
      todo.map((b) => ({
        value: b.record[index]!,
        type: options.type,
        ...(options.deterministic ? { deterministic: true } : {}),
      })),
      () => options.column,
    );
    const out: string[][] = [];
    let j = 0;
    for (const b of batch) {
      if (b.record[index] === '') {
        out.push(b.record);
        continue;
      }
      const r = results[j++]!;
      if (isItemError(r)) {
        if (out.length > 0) await write(stringify(out));
        out.length = 0;
        bad(b.line, r.error_description);
        continue;
      }
      b.record[index] = r.token;
      summary.tokenized += 1;
      out.push(b.record);
    }
    if (out.length > 0) await write(stringify(out));
    summary.rows += batch.length;
    batch = [];
    options.onProgress?.({ rows: summary.rows, bytes: options.bytesRead?.() ?? 0 });
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = record;
        index = header.indexOf(options.column);
        if (index < 0) throw new StrictStop(`no column "${options.column}" in the header row`);
        await write(stringify([header]));
        continue;
      }
      batch.push({ record, line: info.lines });
      if (batch.length >= batchSize) await flush();
    }
  } catch (err) {
    if (err instanceof StrictStop) throw err;
    const e = err as { code?: string; lines?: number };
    if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
      // Rows read before the malformed one come first: one of them may be the first bad row.
      await flush();
      throw new StrictStop(`line ${e.lines ?? '?'}: malformed CSV (${e.code})`);
    }
    throw err;
  }
  await flush();
  if (!header) throw new StrictStop('the file is empty (a header row is required)');
  return summary;
}
