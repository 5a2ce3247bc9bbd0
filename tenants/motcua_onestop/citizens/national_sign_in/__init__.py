"""Sign-in with national identity: the province's OpenID Connect provider (the national portal's shared
sign-in or VNeID), the authorization code flow with PKCE, state and nonce, the ID token's checks, and the
citizen account each identity is linked to (ADR 0048)."""
