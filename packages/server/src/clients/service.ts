import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendAudit } from '../audit/chain.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { ServiceClientRow } from '../storage/index.js';
import { issueAccessToken } from '../tokens/access.js';
import { BASE62, randomFrom } from '../vault/random.js';

/** What a service client may be granted (SPEC §2.3). */
export const CLIENT_SCOPES = [
  'vault:tokenize',
  'vault:read',
  'vault:detokenize',
  'vault:delete',
] as const;

export interface CreatedClient {
  client_id: string;
  client_secret: string;
  name: string;
  scopes: string;
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Registers a service client. The secret (256 random bits) is returned this once; only
 * its SHA-256 is stored: a secret this long needs no slow hash, since nobody can guess it.
 *
 * @example
 * const { client_id, client_secret } = await createClient(ctx, 'billing', 'vault:tokenize');
 */
export async function createClient(
  ctx: Context,
  name: string,
  scopes: string,
): Promise<CreatedClient> {
  const list = scopes.split(/\s+/).filter(Boolean);
  if (list.length === 0) throw new TypeError('give at least one scope');
  const unknown = list.filter((s) => !(CLIENT_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new TypeError(`unknown scope "${unknown[0]}" (one of ${CLIENT_SCOPES.join(', ')})`);
  }
  if (name.trim() === '' || name.length > 200)
    throw new TypeError('--name must be 1 to 200 characters');
  const row: ServiceClientRow = {
    id: `tsc_${randomFrom(BASE62, 22)}`,
    name: name.trim(),
    secret_hash: '',
    scopes: [...new Set(list)].join(' '),
    created_at: ctx.now(),
  };
  const secret = randomBytes(32).toString('base64url');
  row.secret_hash = hashSecret(secret);
  await ctx.store.clients.create(row);
  await appendAudit(ctx.store, ctx.masterKey, ctx.now(), {
    action: 'client.created',
    target: row.id,
    details: { name: row.name, scopes: row.scopes },
  });
  return { client_id: row.id, client_secret: secret, name: row.name, scopes: row.scopes };
}

/** Compared when the client id is unknown, so both failures cost the same. */
const DUMMY_HASH = hashSecret('tessera-dummy-client-secret');

/** Checks a client's credentials in constant time; `invalid_client` otherwise. */
export async function authenticateClient(
  ctx: Context,
  clientId: string,
  secret: string,
): Promise<ServiceClientRow> {
  const client = clientId.length <= 200 ? await ctx.store.clients.byId(clientId) : undefined;
  const expected = Buffer.from(client?.secret_hash ?? DUMMY_HASH, 'hex');
  const given = Buffer.from(hashSecret(secret), 'hex');
  const ok = timingSafeEqual(expected, given) && client !== undefined;
  if (!ok || !client) {
    // A wrong secret for a real client is worth an operator's attention; the id given
    // for an unknown client is attacker text and is not recorded.
    await appendAudit(ctx.store, ctx.masterKey, ctx.now(), {
      action: 'client.auth_failed',
      target: client?.id ?? null,
    });
    throw new OAuthError('invalid_client', 'Client authentication failed.');
  }
  return client;
}

/**
 * RFC 6749 §4.4: an access token for the client itself, with the requested scopes (a
 * subset of its own) or all of them.
 */
export async function clientCredentialsGrant(
  ctx: Context,
  client: ServiceClientRow,
  requested: string | undefined,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }> {
  const granted = client.scopes.split(' ');
  let scope = client.scopes;
  if (requested !== undefined && requested.trim() !== '') {
    const asked = [...new Set(requested.split(' ').filter(Boolean))];
    const refused = asked.find((s) => !granted.includes(s));
    if (refused !== undefined) {
      throw new OAuthError(
        'invalid_scope',
        'The requested scope exceeds what the client was granted.',
      );
    }
    scope = asked.join(' ');
  }
  const token = issueAccessToken(ctx, { sub: client.id, scope, clientId: client.id });
  await appendAudit(ctx.store, ctx.masterKey, ctx.now(), {
    action: 'client.token',
    actor: client.id,
    details: { scope },
  });
  return { access_token: token.token, token_type: 'Bearer', expires_in: token.expiresIn, scope };
}
