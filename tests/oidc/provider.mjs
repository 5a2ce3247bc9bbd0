// A real OpenID Connect provider (the npm package oidc-provider) for the tests of sign-in with national
// identity. Started by tests/oidc_provider.py on 127.0.0.1 with a port of its own choosing; it prints one
// JSON line with its issuer once it listens.
//
// Environment:
//   OIDC_CLIENTS   JSON list of clients (client_id, client_secret, redirect_uris)
//   OIDC_ACCOUNTS  JSON object: login -> claims (name, national_id, email, phone_number); a login not in it
//                  signs in with no claim but sub
//
// The sign-in and consent pages are the package's development interactions: any login, any password.
// What a test needs beyond the protocol, under /test/ (never part of a real provider):
//   POST /test/publish-other-keys  the JWKS document now lists keys that did not sign the tokens (so every
//                                  ID token the provider signs fails its signature check at the client)
//   POST /test/publish-own-keys    back to the real keys
//   POST /test/id-token-seconds    body: the lifetime of ID tokens issued from now on, in seconds
import crypto from "node:crypto";
import http from "node:http";

import Provider from "oidc-provider";

const clients = JSON.parse(process.env.OIDC_CLIENTS || "[]");
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || "{}");

function signingKey() {
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: crypto.randomUUID(), use: "sig", alg: "RS256" };
}

function publicPart(jwk) {
  const { kty, n, e, kid, use, alg } = jwk;
  return { kty, n, e, kid, use, alg };
}

const ownKey = signingKey();
const otherKey = { ...signingKey(), kid: ownKey.kid }; // the same key id: the signature itself must fail
let publishOther = false;
let idTokenSeconds = 3600;

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: clients.map((client) => ({
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      ...client,
    })),
    jwks: { keys: [ownKey] },
    pkce: { methods: ["S256"], required: () => true },
    scopes: ["openid", "profile", "email", "phone", "national_id"],
    claims: {
      openid: ["sub"],
      profile: ["name"],
      email: ["email", "email_verified"],
      phone: ["phone_number"],
      national_id: ["national_id"],
    },
    // the claims of the scopes granted go into the ID token itself, as the national sign-in's do
    conformIdTokenClaims: false,
    ttl: { IdToken: () => idTokenSeconds },
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...(accounts[id] || {}) };
        },
      };
    },
  });
  provider.proxy = false;
  const protocol = provider.callback();
  server.on("request", (req, res) => {
    if (req.method === "POST" && req.url.startsWith("/test/")) {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        if (req.url === "/test/publish-other-keys") publishOther = true;
        else if (req.url === "/test/publish-own-keys") publishOther = false;
        else if (req.url === "/test/id-token-seconds") idTokenSeconds = Number(body);
        else {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(204).end();
      });
      return;
    }
    if (req.method === "GET" && req.url.split("?")[0] === "/jwks" && publishOther) {
      res.writeHead(200, { "content-type": "application/jwk-set+json" });
      res.end(JSON.stringify({ keys: [publicPart(otherKey)] }));
      return;
    }
    protocol(req, res);
  });
  process.stdout.write(JSON.stringify({ issuer }) + "\n");
});
