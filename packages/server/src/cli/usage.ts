import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Bad usage: printed with the command's help, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure to report on one line, exit status 1. */
export class CliError extends Error {
  override name = 'CliError';
}

export interface Command {
  /** e.g. "keys rotate" */
  name: string;
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  run(args: {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
  }): Promise<void>;
}

/** Parses strictly: unknown flags and missing values are usage errors, not guesses. */
export function parse(command: Command, argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { help: { type: 'boolean', short: 'h' }, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Writes one JSON document to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
