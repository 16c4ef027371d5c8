import { loadDotEnv } from '../config.js';
import { ConfigError } from '../errors.js';
import { COMMANDS, describeFailure } from './commands.js';
import { CliError, type Command, parse, UsageError } from './usage.js';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: tessera <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `tessera <command> --help` for the options of one command.',
    'Configuration comes from the environment (and ./.env); see the README.',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options ?? {}).map(
    ([name, o]) => `  --${name}${o.type === 'string' ? ' VALUE' : ''}`,
  );
  return [
    `Usage: ${c.usage}`,
    '',
    c.summary,
    ...(opts.length ? ['', 'Options:', ...opts] : []),
  ].join('\n');
}

/**
 * The `tessera` command line. Returns the exit status: 0 success, 1 failure
 * (one line on stderr), 2 bad usage.
 *
 * @example
 * process.exitCode = await main(['keys', 'list']);
 */
export async function main(argv: string[]): Promise<number> {
  loadDotEnv();
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${help()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  // Longest match first: "keys rotate" before "keys".
  const command = COMMANDS.find((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => argv[i] === w);
  });
  if (!command) {
    process.stderr.write(`tessera: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${help()}\n`);
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  try {
    const args = parse(command, rest);
    if (args.values.help === true) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    await command.run(args);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tessera ${command.name}: ${err.message}\n\n${commandHelp(command)}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`tessera: ${problem}\n`);
      return 1;
    }
    const line = err instanceof CliError ? err.message : describeFailure(err);
    process.stderr.write(`tessera ${command.name}: ${line}\n`);
    return 1;
  }
}
