/**
 * `openid-client` discovers Tessera and performs the client-credentials grant against
 * `POST /v1/oauth/token` (SPEC §2.2), then the token verifies with `@tessera/verify`.
 *
 * DISABLED until `POST /v1/oauth/token` and `tessera client create` land (issue 6 depends on the
 * vault issue for them): change `describe.skip` to `describe` then. A runtime probe that skips
 * when the route is missing would hide a regression in CI, so the switch is by hand.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../packages/verify/src/index.js';
import { startTessera, type Tessera } from './helpers/tessera.js';
import { headerOf } from './helpers/tokens.js';

describe('openid-client against Tessera', () => {
  let tessera: Tessera;
  let clientId: string;
  let clientSecret: string;
  beforeAll(async () => {
    tessera = await startTessera('ES256');
    const made = await tessera.cli([
      'client',
      'create',
      '--name',
      'interop',
      '--scopes',
      'vault:tokenize vault:detokenize',
    ]);
    expect(made.code, made.stderr).toBe(0);
    ({ client_id: clientId, client_secret: clientSecret } = JSON.parse(made.stdout));
  });
  afterAll(async () => {
    await tessera?.stop();
  });

  async function configuration(secret = clientSecret): Promise<oidc.Configuration> {
    return oidc.discovery(
      new URL(tessera.issuer),
      clientId,
      undefined,
      oidc.ClientSecretBasic(secret),
      // The test server speaks plain http on localhost.
      { execute: [oidc.allowInsecureRequests] },
    );
  }

  it('discovers the issuer and its token endpoint', async () => {
    const config = await configuration();
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(tessera.issuer);
    expect(metadata.token_endpoint).toBe(`${tessera.issuer}/v1/oauth/token`);
    expect(metadata.grant_types_supported).toContain('client_credentials');
  });

  it('gets a service token with the client-credentials grant, and it verifies', async () => {
    const config = await configuration();
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'vault:detokenize' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThan(0);
    expect(tokens.scope).toBe('vault:detokenize');
    expect(headerOf(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });

    const verifier = createVerifier({ issuer: tessera.issuer, audience: tessera.issuer });
    const { payload } = await verifier.verify(tokens.access_token);
    expect(payload.client_id).toBe(clientId);
    expect(payload.scope).toBe('vault:detokenize');
  });

  it('is refused with a wrong client secret (invalid_client)', async () => {
    const config = await configuration('not-the-secret');
    // RFC 6749 §5.2: 401 with a `WWW-Authenticate: Basic` challenge; openid-client
    // surfaces the challenge itself rather than the body.
    const error = await oidc.clientCredentialsGrant(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    const challenge = error as InstanceType<typeof oidc.WWWAuthenticateChallengeError>;
    expect(challenge.status).toBe(401);
    expect(challenge.cause[0]?.scheme).toBe('basic');
    expect(((await challenge.response.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('is refused a scope the client does not have (invalid_scope)', async () => {
    const config = await configuration();
    await expect(oidc.clientCredentialsGrant(config, { scope: 'admin' })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
  });
});
