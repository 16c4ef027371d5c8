import type { JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ALGORITHMS, type Algorithm, decodeJwt, isJoseError, verifyJwt } from '@tessera/verify';
import { PASSWORD_MAX, PASSWORD_MIN } from '../accounts/password.js';
import { register, toUser } from '../accounts/service.js';
import { recordAudit } from '../audit/record.js';
import { loadConfig } from '../config.js';
import { TesseraError } from '../errors.js';
import { startServer } from '../server.js';
import { readSecret } from './stdin.js';
import { CliError, type Command, printJson, UsageError } from './usage.js';
import { VAULT_COMMANDS } from './vault-commands.js';
import { withContext } from './with-context.js';

const serve: Command = {
  name: 'serve',
  summary: 'run the server (API and web page); applies migrations first',
  usage: 'tessera serve',
  async run() {
    const server = await startServer(loadConfig());
    process.stdout.write(`Tessera listening on ${server.url}\n`);
    let closing = false;
    const stop = (signal: string) => {
      if (closing) process.exit(1); // a second signal: the operator means it
      closing = true;
      server.app.log.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          server.app.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    await new Promise<never>(() => {}); // runs until a signal
  },
};

const migrate: Command = {
  name: 'migrate',
  summary: 'create or upgrade the database schema, then exit',
  usage: 'tessera migrate',
  async run() {
    const config = loadConfig();
    const { openStore } = await import('../storage/index.js');
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await store.migrate();
      printJson({ applied });
    } finally {
      await store.close();
    }
  },
};

const userCreate: Command = {
  name: 'user create',
  summary: 'create a user; the password is read from stdin',
  usage: 'tessera user create --email E [--name N] [--admin]   (password on stdin)',
  options: { email: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' } },
  async run({ values }) {
    const email = values.email;
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email.trim())) {
      throw new UsageError('--email must be an email address');
    }
    const password = await readSecret('Password: ');
    const length = [...password].length;
    if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
      throw new CliError(`the password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
    }
    await withContext(async (ctx) => {
      const input: Parameters<typeof register>[1] = {
        email,
        password,
        admin: values.admin === true,
      };
      if (typeof values.name === 'string') input.name = values.name;
      printJson(toUser(await register(ctx, input)));
    });
  },
};

const keysList: Command = {
  name: 'keys list',
  summary: 'list signing keys and their state (next, active, retired)',
  usage: 'tessera keys list',
  async run() {
    await withContext(async (ctx) => {
      printJson(
        ctx.keys.rows.map((r) => ({
          kid: r.kid,
          alg: r.alg,
          status: r.status,
          created_at: iso(r.created_at),
          activated_at: iso(r.activated_at),
          retired_at: iso(r.retired_at),
          published_until: iso(r.publish_until),
        })),
      );
    });
  },
};

const keysRotate: Command = {
  name: 'keys rotate',
  summary: 'activate the next key; the old one stays published until its tokens expire',
  usage: 'tessera keys rotate',
  async run() {
    await withContext(async (ctx) => {
      const active = await ctx.keys.rotate();
      await recordAudit(ctx, { action: 'keys.rotated', target: active });
      printJson({ active });
    });
  },
};

const keysImport: Command = {
  name: 'keys import',
  summary: 'import a private JWK as the next signing key (or the active one with --activate)',
  usage: 'tessera keys import FILE.jwk [--activate]',
  options: { activate: { type: 'boolean' } },
  async run({ values, positionals }) {
    const file = positionals[0];
    if (file === undefined || positionals.length > 1)
      throw new UsageError('give exactly one JWK file');
    let jwk: JsonWebKey & { alg?: unknown; kid?: unknown };
    try {
      jwk = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new CliError(
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'not a JSON file'}`,
      );
    }
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
      throw new CliError(`${file} is not a JWK`);
    const config = loadConfig();
    const alg = (jwk.alg ?? config.signingAlg) as Algorithm;
    if (!ALGORITHMS.includes(alg)) throw new CliError(`unsupported alg "${String(jwk.alg)}"`);
    if (values.activate === true && alg !== config.signingAlg) {
      throw new CliError(`the key is for ${alg} but TESSERA_SIGNING_ALG is ${config.signingAlg}`);
    }
    await withContext(async (ctx) => {
      try {
        const kid = await ctx.keys.import(jwk, alg, values.activate === true);
        printJson({ kid, alg, status: values.activate === true ? 'active' : 'next' });
      } catch (err) {
        throw new CliError((err as Error).message);
      }
    });
  },
};

const tokenDecode: Command = {
  name: 'token decode',
  summary: 'show a JWT header and claims (no verification)',
  usage: 'tessera token decode JWT',
  async run({ positionals }) {
    const token = positionals[0];
    if (token === undefined || positionals.length > 1) throw new UsageError('give exactly one JWT');
    try {
      printJson(decodeJwt(token));
    } catch (err) {
      throw new CliError(isJoseError(err) ? `not a JWT (${err.code})` : 'not a JWT');
    }
  },
};

const tokenVerify: Command = {
  name: 'token verify',
  summary: "verify a JWT against this server's keys, issuer and audience",
  usage: 'tessera token verify JWT',
  async run({ positionals }) {
    const token = positionals[0];
    if (token === undefined || positionals.length > 1) throw new UsageError('give exactly one JWT');
    await withContext(async (ctx) => {
      try {
        const result = verifyJwt(token, ctx.keys.lookup, {
          issuer: ctx.config.issuer,
          audience: ctx.config.audience,
          typ: 'at+jwt',
        });
        printJson({ valid: true, ...result });
      } catch (err) {
        throw new CliError(`invalid token (${isJoseError(err) ? err.code : 'ERR_JWT_INVALID'})`);
      }
    });
  },
};

export const COMMANDS: readonly Command[] = [
  serve,
  migrate,
  userCreate,
  keysList,
  keysRotate,
  keysImport,
  tokenDecode,
  tokenVerify,
  ...VAULT_COMMANDS,
];

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Turns a domain error into a CLI failure line. */
export function describeFailure(err: unknown): string {
  if (err instanceof TesseraError) return err.message;
  if (err instanceof Error) return err.message.split('\n')[0] ?? 'failed';
  return 'failed';
}
