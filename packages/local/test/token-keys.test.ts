import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetUserCommand } from "@aws-sdk/client-cognito-identity-provider";
import { JwtRsaVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import type { Fetcher } from "aws-jwt-verify/https";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { claims, sdkClient } from "./support/clients.js";
import { signIn, signUpAndSignIn } from "./support/flow.js";

// aws-jwt-verify's default fetcher speaks only https; the stack serves its JWKS over http.
const httpFetcher: Fetcher = {
  async fetch(uri) {
    const response = await fetch(uri);
    if (response.status !== 200) throw new Error(`JWKS fetch: status ${response.status}`);
    return response.arrayBuffer();
  },
};

/**
 * aws-jwt-verify's generic verifier against the stack's JWKS URL, with the
 * claim checks CognitoJwtVerifier runs (`token_use`, `aud` or `client_id`).
 * CognitoJwtVerifier itself insists on the https://cognito-idp issuer.
 */
function verifier(stack: LocalStack, tokenUse: "id" | "access") {
  return JwtRsaVerifier.create(
    {
      issuer: stack.issuer,
      audience: null,
      jwksUri: stack.jwksUrl,
      customJwtCheck: ({ payload }) =>
        validateCognitoJwtFields(payload, { tokenUse, clientId: stack.clientId }),
    },
    { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) },
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ handlers: secretWordTriggers().handlers });
});
afterAll(() => stack?.stop());

describe("signing keys", () => {
  it("signs ID and access tokens with two keys, both in the JWKS under distinct kids", async () => {
    // Prepare
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "kit@example.com");
    const jwks = (await (await fetch(stack.jwksUrl)).json()) as { keys: JWK[] };
    // Act
    const idKid = decodeProtectedHeader(tokens.IdToken!).kid;
    const accessKid = decodeProtectedHeader(tokens.AccessToken!).kid;
    // Assess
    expect(idKid).toEqual(expect.any(String));
    expect(accessKid).toEqual(expect.any(String));
    expect(idKid).not.toBe(accessKid);
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([idKid, accessKid].sort());
    const byKid = new Map(jwks.keys.map((k) => [k.kid, k]));
    expect(byKid.get(idKid)!.n).not.toBe(byKid.get(accessKid)!.n);
  });

  it("both tokens verify with aws-jwt-verify's generic verifier and Cognito's claim checks", async () => {
    // Prepare
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "lou@example.com");
    // Act
    const id = await verifier(stack, "id").verify(tokens.IdToken!);
    const access = await verifier(stack, "access").verify(tokens.AccessToken!);
    // Assess: the claims AWS documents for each token
    expect(id).toMatchObject({
      sub: expect.stringMatching(UUID),
      "cognito:username": id.sub,
      email: "lou@example.com",
      email_verified: false,
      aud: stack.clientId,
      iss: stack.issuer,
      token_use: "id",
      jti: expect.stringMatching(UUID),
      origin_jti: expect.stringMatching(UUID),
      event_id: expect.stringMatching(UUID),
    });
    expect(access).toMatchObject({
      sub: id.sub,
      username: id.sub,
      client_id: stack.clientId,
      iss: stack.issuer,
      token_use: "access",
      scope: "aws.cognito.signin.user.admin",
      origin_jti: id.origin_jti,
      event_id: id.event_id,
      auth_time: id.auth_time,
      jti: expect.stringMatching(UUID),
    });
    expect(access.aud).toBeUndefined();
    expect(access.jti).not.toBe(id.jti);
    // Each token is refused as the other kind.
    await expect(verifier(stack, "access").verify(tokens.IdToken!)).rejects.toThrow(/Token use/);
    await expect(verifier(stack, "id").verify(tokens.AccessToken!)).rejects.toThrow(/Token use/);
  });

  it("both tokens verify with jose against the stack's JWKS URL", async () => {
    // Prepare
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "max@example.com");
    const keys = createRemoteJWKSet(new URL(stack.jwksUrl));
    // Act
    const id = await jwtVerify(tokens.IdToken!, keys, {
      issuer: stack.issuer,
      audience: stack.clientId,
      algorithms: ["RS256"],
    });
    const access = await jwtVerify(tokens.AccessToken!, keys, {
      issuer: stack.issuer,
      algorithms: ["RS256"],
      requiredClaims: ["client_id", "token_use", "username", "jti"],
    });
    // Assess
    expect(id.payload.token_use).toBe("id");
    expect(access.payload.token_use).toBe("access");
    expect(id.protectedHeader.kid).not.toBe(access.protectedHeader.kid);
  });

  it("a token whose header names the other key does not verify", async () => {
    // Prepare: the ID token's header and payload with the access key's kid
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "ned@example.com");
    const accessKid = decodeProtectedHeader(tokens.AccessToken!).kid!;
    const [header, payload, signature] = tokens.IdToken!.split(".");
    const swapped = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(header!, "base64url").toString()),
        kid: accessKid,
      }),
    ).toString("base64url");
    // Act
    const verifying = jwtVerify(
      [swapped, payload, signature].join("."),
      createRemoteJWKSet(new URL(stack.jwksUrl)),
      { issuer: stack.issuer },
    );
    // Assess
    await expect(verifying).rejects.toMatchObject({
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
  });
});

describe("signing keys in a data folder", () => {
  let dir: string | undefined;
  let kept: LocalStack | undefined;
  afterEach(async () => {
    await kept?.stop();
    kept = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("the stack's own user APIs refuse an access token signed with the ID-token key", async () => {
    // Prepare: a real sign-in, then its access token's header and claims
    // signed again with the ID-token key the data folder holds
    dir = await mkdtemp(join(tmpdir(), "cognito-passcode-keys-"));
    kept = await startLocalStack({ handlers: secretWordTriggers().handlers, dataDir: dir });
    const client = sdkClient(kept);
    const tokens = await signUpAndSignIn(kept, client, "ola@example.com");
    const idKey = JSON.parse(await readFile(join(dir, "signing-key.json"), "utf8")) as JWK;
    expect(idKey.kid).toBe(decodeProtectedHeader(tokens.IdToken!).kid);
    const forged = await new SignJWT(claims(tokens.AccessToken!))
      .setProtectedHeader({ alg: "RS256", kid: idKey.kid! })
      .sign(await importJWK(idKey, "RS256"));
    // Act
    const answer = client.send(new GetUserCommand({ AccessToken: forged }));
    // Assess
    await expect(answer).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Invalid Access Token",
    });
    expect(
      (await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }))).Username,
    ).toBe(claims(tokens.AccessToken!).username);
  });

  it("keeps both keys across a restart, so tokens issued before it still verify", async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), "cognito-passcode-keys-"));
    const ids = { userPoolId: "us-east-1_KeysKept1", clientId: "keyskeptclient" };
    kept = await startLocalStack({ ...ids, handlers: secretWordTriggers().handlers, dataDir: dir });
    const before = (await (await fetch(kept.jwksUrl)).json()) as { keys: JWK[] };
    const tokens = await signUpAndSignIn(kept, sdkClient(kept), "pia@example.com");
    const port = Number(new URL(kept.endpoint).port);
    await kept.stop();
    // Act
    kept = await startLocalStack({
      ...ids,
      handlers: secretWordTriggers().handlers,
      dataDir: dir,
      port,
    });
    // Assess
    const after = (await (await fetch(kept.jwksUrl)).json()) as { keys: JWK[] };
    expect(after.keys).toEqual(before.keys);
    expect(after.keys).toHaveLength(2);
    await verifier(kept, "id").verify(tokens.IdToken!);
    await verifier(kept, "access").verify(tokens.AccessToken!);
    const again = await signIn(kept, sdkClient(kept), "pia@example.com");
    expect(decodeProtectedHeader(again.AccessToken!).kid).toBe(
      decodeProtectedHeader(tokens.AccessToken!).kid,
    );
  });
});
