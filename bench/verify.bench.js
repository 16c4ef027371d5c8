// Resource-server throughput, side by side in one run: requests per second of one protected JSON
// route, by autocannon, against
//
//   ceiling             bare Fastify, no auth
//   tessera warm        Fastify + @tessera/verify plugin, a token seen before (verified-token cache)
//   tessera cold        the same, every request a token never seen before (20k pre-signed, ES256)
//   raw crypto.verify   Fastify + a hand-written hook doing only crypto.verify + JSON.parse, cold:
//                       what raw ES256 verification allows a server (no claim checks at all)
//   @fastify/jwt        Fastify + @fastify/jwt, ES256 public key
//   express+jsonwebtoken  Express with jsonwebtoken and a string secret (HS256): the tutorial stack
//
//   npm run build && node bench/verify.bench.js
//
// Fairness on a 2-core machine: each server runs alone in a child process (one core), the load
// generator in this process (the other core); servers run one at a time, in interleaved rounds,
// and each variant keeps its best round (other load only ever slows a round down). Every
// variant's requests go through the same autocannon setupRequest path, so the load generator
// does the same work for all of them. Raw single-core ES256 crypto.verify/s is measured here too.
import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ISSUER = 'https://auth.tessera.example';
const AUDIENCE = 'https://api.tessera.example';
const KID = 'bench-es256';
const HS_SECRET = 'keyboard cat is my secret';
const COLD_TOKENS = 20_000;
const ROUNDS = 3;
const WARMUP_S = 1;
const DURATION_S = 3;
const CONNECTIONS = 32;
const PAYLOAD = { ok: true, items: [1, 2, 3], note: 'a small protected JSON document' };

const VARIANTS = [
  { name: 'ceiling (Fastify, no auth)', id: 'ceiling', tokens: 'warm' },
  { name: 'Fastify + @tessera/verify, warm', id: 'tessera', tokens: 'warm' },
  { name: 'Fastify + @tessera/verify, cold', id: 'tessera', tokens: 'cold' },
  { name: 'Fastify + raw crypto.verify, cold', id: 'raw', tokens: 'cold' },
  { name: 'Fastify + @fastify/jwt', id: 'fastify-jwt', tokens: 'warm' },
  { name: 'Express + jsonwebtoken (HS256)', id: 'express', tokens: 'hs256' },
];

// ---------------------------------------------------------------------------------------------
// Child: one server.

async function serve() {
  const { variant, jwk, pem } = JSON.parse(process.env.TESSERA_BENCH_SERVE);
  const handler = async () => PAYLOAD;
  let listen;
  if (variant === 'express') {
    const { default: express } = await import('express');
    const { default: jsonwebtoken } = await import('jsonwebtoken');
    const app = express();
    app.get(
      '/data',
      (req, res, next) => {
        const token = (req.headers.authorization ?? '').split(' ')[1];
        try {
          req.user = jsonwebtoken.verify(token, HS_SECRET);
          next();
        } catch {
          res.status(401).json({ error: 'invalid_token' });
        }
      },
      (_req, res) => res.json(PAYLOAD),
    );
    listen = () =>
      new Promise((resolve) => {
        const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port));
      });
  } else {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    if (variant === 'ceiling') {
      app.get('/data', handler);
    } else if (variant === 'tessera') {
      const { createVerifier } = await import('../packages/verify/dist/index.js');
      const { tesseraPlugin } = await import('../packages/verify/dist/adapters/fastify.js');
      const verifier = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://auth.tessera.example/.well-known/jwks.json',
        // The key set comes from memory: fetching is not what this measures.
        fetch: async () => Response.json({ keys: [jwk] }),
      });
      await verifier.ready();
      await app.register(tesseraPlugin, { verifier });
      app.get('/data', { onRequest: app.tessera.authenticate }, handler);
    } else if (variant === 'raw') {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      app.get(
        '/data',
        {
          onRequest: async (request, reply) => {
            const token = request.headers.authorization.slice(7);
            const first = token.indexOf('.');
            const last = token.lastIndexOf('.');
            const ok = verify(
              'sha256',
              Buffer.from(token.slice(0, last)),
              { key, dsaEncoding: 'ieee-p1363' },
              Buffer.from(token.slice(last + 1), 'base64url'),
            );
            if (!ok) return reply.code(401).send({ error: 'invalid_token' });
            request.user = JSON.parse(Buffer.from(token.slice(first + 1, last), 'base64url'));
          },
        },
        handler,
      );
    } else if (variant === 'fastify-jwt') {
      const { fastifyJwt } = await import('@fastify/jwt');
      await app.register(fastifyJwt, {
        secret: { public: pem },
        verify: { algorithms: ['ES256'], allowedIss: ISSUER, allowedAud: AUDIENCE },
      });
      app.get('/data', { onRequest: (request) => request.jwtVerify() }, handler);
    }
    listen = async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      return app.server.address().port;
    };
  }
  const port = await listen();
  // A clean exit, so that `node --cpu-prof` can write its profile.
  for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));
  process.stdout.write(`listening ${port}\n`);
}

// ---------------------------------------------------------------------------------------------
// Parent: tokens, servers, load, table.

function startServer(variant, keys) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: {
      ...process.env,
      TESSERA_BENCH_SERVE: JSON.stringify({ variant, jwk: keys.jwk, pem: keys.pem }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening (\d+)/.exec(out);
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}/data` });
    });
    child.once('exit', (code) => reject(new Error(`${variant} server exited with ${code}`)));
  });
}

async function load(autocannon, url, tokens, seconds) {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const token = tokens[next];
          next = next + 1 === tokens.length ? 0 : next + 1;
          request.headers = { authorization: `Bearer ${token}` };
          return request;
        },
      },
    ],
  });
  return result;
}

/** ES256 crypto.verify per second on this core, each signature over a distinct token. */
function rawVerifyRate(publicKey, tokens) {
  const inputs = tokens.slice(0, 2000).map((t) => {
    const last = t.lastIndexOf('.');
    return [Buffer.from(t.slice(0, last)), Buffer.from(t.slice(last + 1), 'base64url')];
  });
  const key = { key: publicKey, dsaEncoding: 'ieee-p1363' };
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    let n = 0;
    while (process.hrtime.bigint() - start < 400_000_000n) {
      const [input, signature] = inputs[n % inputs.length];
      if (!verify('sha256', input, key, signature)) throw new Error('bad signature');
      n++;
    }
    best = Math.max(best, n / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return best;
}

export async function run() {
  const { default: autocannon } = await import('autocannon');
  const { default: jsonwebtoken } = await import('jsonwebtoken');
  const { publicJwk, signJwt } = await import('../packages/verify/dist/index.js');
  const started = Date.now();

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signing = { kid: KID, alg: 'ES256', key: privateKey };
  const keys = {
    jwk: publicJwk(signing),
    pem: publicKey.export({ format: 'pem', type: 'spki' }),
  };
  const now = Math.floor(Date.now() / 1000);
  const claims = (i) => ({
    iss: ISSUER,
    sub: `user-${i}`,
    aud: AUDIENCE,
    exp: now + 3600,
    iat: now,
    jti: `jti-${i}`,
    sid: `sid-${i}`,
    scope: 'profile vault',
  });
  const cold = Array.from({ length: COLD_TOKENS }, (_, i) => signJwt(claims(i), signing));
  const tokens = {
    warm: [cold[0]],
    cold,
    hs256: [jsonwebtoken.sign(claims(0), HS_SECRET)],
  };
  const raw = rawVerifyRate(publicKey, cold);

  const best = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of VARIANTS) {
      const { child, url } = await startServer(variant.id, keys);
      try {
        const list = tokens[variant.tokens];
        await load(autocannon, url, list, WARMUP_S);
        const result = await load(autocannon, url, list, DURATION_S);
        const bad = result.non2xx + result.errors + result.timeouts;
        if (bad > 0) throw new Error(`${variant.name}: ${bad} failed requests`);
        const rate = result.requests.total / DURATION_S;
        const previous = best.get(variant.name);
        if (!previous || rate > previous.rate) {
          best.set(variant.name, { rate, p99: result.latency.p99 });
        }
      } finally {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
  }

  const rate = (name) => best.get(name).rate;
  const ceiling = rate(VARIANTS[0].name);
  console.log(
    `${availableParallelism()} cores; ${CONNECTIONS} connections; best of ${ROUNDS} x ${DURATION_S} s per variant; servers in a child process`,
  );
  console.log(
    `${'variant'.padEnd(40)}${'req/s'.padStart(10)}${'p99 ms'.padStart(9)}${'x ceiling'.padStart(11)}`,
  );
  for (const { name } of VARIANTS) {
    const { rate: r, p99 } = best.get(name);
    console.log(
      `${name.padEnd(40)}${r.toFixed(0).padStart(10)}${String(p99).padStart(9)}${(r / ceiling).toFixed(2).padStart(11)}`,
    );
  }
  console.log(
    `${'raw ES256 crypto.verify, one core (no HTTP)'.padEnd(40)}${raw.toFixed(0).padStart(10)} verifications/s`,
  );

  const warm = rate(VARIANTS[1].name);
  const coldRate = rate(VARIANTS[2].name);
  const rawServer = rate(VARIANTS[3].name);
  const express = rate(VARIANTS[5].name);
  const targets = [
    [warm / ceiling >= 0.75, `warm >= 0.75x ceiling: ${(warm / ceiling).toFixed(2)}x`],
    [
      coldRate / rawServer >= 0.8,
      `cold ES256 >= 0.80x a server doing only raw crypto.verify: ${(coldRate / rawServer).toFixed(2)}x` +
        ` (and ${(coldRate / raw).toFixed(2)}x bare verifications/s, which has no HTTP in it)`,
    ],
    [
      warm / express >= 3,
      `warm >= 3x Express + jsonwebtoken: ${(warm / express).toFixed(2)}x (cold: ${(coldRate / express).toFixed(2)}x)`,
    ],
  ];
  for (const [ok, text] of targets) console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

if (process.env.TESSERA_BENCH_SERVE) {
  await serve();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
