import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CLIENT_METADATA, STEP } from "@cognito-passcode/shared";
import { softAuthenticator } from "@cognito-passcode/triggers/testing";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../src/index.js";
import { type CliIo, runCli } from "../src/run-cli.js";
import { sdkClient, stackPerTest } from "./support/clients.js";
import {
  answerChallenge,
  passcodeSignUpAndSignIn,
  signUp,
  startCustomAuth,
} from "./support/flow.js";
import { challengeOf, firstSignInWithEnrolment } from "./support/passkeys.js";

const start = stackPerTest();
const PAGE = "http://localhost:5173";
const PASSKEYS = { rpId: "localhost", origins: [PAGE] };

/** Counts the HTTP requests `client` sends (retries off in sdkClient, so one per call). */
function countRequests(client: CognitoIdentityProviderClient): { count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.count += 1;
      return next(args);
    },
    { step: "finalizeRequest", name: "countRequests" },
  );
  return counter;
}

async function idClaims(stack: LocalStack, token: string) {
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(stack.jwksUrl)), {
    issuer: stack.issuer,
  });
  return payload as Record<string, unknown>;
}

describe("passkeys in the local stack (triggers.passkeys)", () => {
  it("enrols during a first sign-in (RespondToAuthChallenge's ClientMetadata), then signs in with the passkey in 2 requests and no email; passcode_amr says otp, then pop mfa, and nothing on refresh", async () => {
    // Prepare
    const { stack, client } = await start({
      cors: { origins: [PAGE] },
      triggers: { passkeys: PASSKEYS, throttle: false },
    });
    const device = softAuthenticator({ origin: PAGE, rpId: "localhost" });
    const email = "ada@example.com";
    const enrolled = await firstSignInWithEnrolment(stack, client, device, email, "ada");
    expect((await idClaims(stack, enrolled.IdToken!)).passcode_amr).toBe("otp");
    const sub = decodeJwt(enrolled.IdToken!).sub!;
    const account = await stack.store!.getPasskeys(sub);
    expect(account?.passkeys).toHaveLength(1);
    expect(account?.passkeys[0]).toMatchObject({
      id: device.credentials[0]!.id,
      name: "Soft key",
    });
    const emailsBefore = stack.mailbox.messages(email).length;

    // Act: a passkey sign-in, counted at the HTTP layer.
    const requests = countRequests(client);
    const challenge = await startCustomAuth(stack, client, email);
    expect(challenge.ChallengeParameters?.step).toBe(STEP.PASSKEY);
    const options = challenge.ChallengeParameters!.options!;
    expect(JSON.parse(options)).toMatchObject({ rpId: "localhost", allowCredentials: [] });
    const assertion = await device.authenticate(options);
    const signedIn = await answerChallenge(
      stack,
      client,
      challenge.Session,
      challenge.ChallengeParameters!.USERNAME!,
      JSON.stringify(assertion),
      { [CLIENT_METADATA.passkeyChallenge]: challengeOf(options) },
    );

    // Assess
    expect(requests.count).toBe(2);
    const tokens = signedIn.AuthenticationResult!;
    expect(stack.mailbox.messages(email)).toHaveLength(emailsBefore);
    const id = await idClaims(stack, tokens.IdToken!);
    expect(id.passcode_amr).toBe("pop mfa");
    expect(id.sub).toBe(sub);
    expect(decodeJwt(tokens.AccessToken!)).not.toHaveProperty("passcode_amr");
    const refreshed = await client.send(
      new GetTokensFromRefreshTokenCommand({
        ClientId: stack.clientId,
        RefreshToken: tokens.RefreshToken!,
      }),
    );
    expect(decodeJwt(refreshed.AuthenticationResult!.IdToken!)).not.toHaveProperty("passcode_amr");
  });

  it("a passkey assertion replayed with its challenge's metadata on a new sign-in gets no tokens, and a forged passkeyChallenge on a code sign-in only under-claims (otp)", async () => {
    // Prepare
    const { stack, client } = await start({ triggers: { passkeys: PASSKEYS, throttle: false } });
    const device = softAuthenticator({ origin: PAGE, rpId: "localhost" });
    const email = "bea@example.com";
    await firstSignInWithEnrolment(stack, client, device, email, "bea");
    const first = await startCustomAuth(stack, client, email);
    const options = first.ChallengeParameters!.options!;
    const assertion = JSON.stringify(await device.authenticate(options));
    const meta = { [CLIENT_METADATA.passkeyChallenge]: challengeOf(options) };
    const user = first.ChallengeParameters!.USERNAME!;
    const ok = await answerChallenge(stack, client, first.Session, user, assertion, meta);
    expect(decodeJwt(ok.AuthenticationResult!.IdToken!).passcode_amr).toBe("pop mfa");
    // Act: the same assertion on a fresh session (its challenge differs).
    const second = await startCustomAuth(stack, client, email);
    const replayed = await answerChallenge(stack, client, second.Session, user, assertion, meta);
    // Assess: refused (another PASSKEY challenge, no tokens).
    expect(replayed.AuthenticationResult).toBeUndefined();
    expect(replayed.ChallengeParameters?.step).toBe(STEP.PASSKEY);
    // A code sign-in that claims the spent challenge gets otp.
    const third = await startCustomAuth(stack, client, email);
    const code = await answerChallenge(stack, client, third.Session, user, "code", {
      [CLIENT_METADATA.method]: "code",
    });
    const signedIn = await answerChallenge(
      stack,
      client,
      code.Session,
      user,
      await stack.mailbox.latestCode(email),
      meta,
    );
    expect(decodeJwt(signedIn.AuthenticationResult!.IdToken!).passcode_amr).toBe("otp");
  });

  it("required: true (what --passkeys-required sets): once enrolled, a right code fails with PASSKEY_REQUIRED (UserLambdaValidationException); the passkey still signs in", async () => {
    // Prepare
    const { stack, client } = await start({
      triggers: { passkeys: { ...PASSKEYS, required: true }, throttle: false },
    });
    const device = softAuthenticator({ origin: PAGE, rpId: "localhost" });
    const email = "dee@example.com";
    await firstSignInWithEnrolment(stack, client, device, email, "dee");
    const first = await startCustomAuth(stack, client, email);
    const user = first.ChallengeParameters!.USERNAME!;
    const code = await answerChallenge(stack, client, first.Session, user, "code", {
      [CLIENT_METADATA.method]: "code",
    });
    // Act + Assess
    await expect(
      answerChallenge(stack, client, code.Session, user, await stack.mailbox.latestCode(email)),
    ).rejects.toMatchObject({
      name: "UserLambdaValidationException",
      message: expect.stringContaining("PASSKEY_REQUIRED"),
    });
    const again = await startCustomAuth(stack, client, email);
    const options = again.ChallengeParameters!.options!;
    const signedIn = await answerChallenge(
      stack,
      client,
      again.Session,
      user,
      JSON.stringify(await device.authenticate(options)),
      { [CLIENT_METADATA.passkeyChallenge]: challengeOf(options) },
    );
    expect(decodeJwt(signedIn.AuthenticationResult!.IdToken!).passcode_amr).toBe("pop mfa");
  });

  it("the CLI's --passkeys-rp-id and --passkeys-origin turn passkeys on: the first challenge is PASSKEY, and the start says so", async () => {
    const out: string[] = [];
    const io: CliIo = {
      stdout: (text) => out.push(text),
      stderr: () => {},
      onSignal: () => {},
      exit: () => {},
    };
    const stack = (await runCli(
      [
        "--no-throttle",
        "--passkeys-rp-id",
        "localhost",
        "--passkeys-origin",
        PAGE,
        "--passkeys-required",
      ],
      io,
    )) as LocalStack;
    try {
      expect(out.join("")).toContain(
        `Passkeys           RP id localhost, origins ${PAGE}, required once enrolled`,
      );
      const client = sdkClient(stack);
      await signUp(stack, "eli@example.com", client);
      const first = await startCustomAuth(stack, client, "eli@example.com");
      expect(first.ChallengeParameters?.step).toBe(STEP.PASSKEY);
      expect(JSON.parse(first.ChallengeParameters!.options!).rpId).toBe("localhost");
    } finally {
      await stack.stop();
    }
  });

  it("dataDir keeps the passkeys across a restart: the enrolled one signs in (pop mfa), a removed one stays removed, and the file holds no sign-in records", async () => {
    // Prepare: two users enrol; one removes hers; both sign in with the passkey once.
    const dir = await mkdtemp(join(tmpdir(), "cognito-passcode-local-"));
    try {
      const options: LocalStackOptions = {
        dataDir: dir,
        triggers: { passkeys: PASSKEYS, throttle: false },
      };
      const first = await start(options);
      const ada = softAuthenticator({ origin: PAGE, rpId: "localhost" });
      const bo = softAuthenticator({ origin: PAGE, rpId: "localhost" });
      await firstSignInWithEnrolment(first.stack, first.client, ada, "ada@example.com", "ada");
      const boTokens = await firstSignInWithEnrolment(
        first.stack,
        first.client,
        bo,
        "bo@example.com",
        "boris",
      );
      await first.stack.store!.removePasskey(
        decodeJwt(boTokens.IdToken!).sub!,
        bo.credentials[0]!.id,
      );
      const passkeySignIn = async (
        stack: LocalStack,
        client: CognitoIdentityProviderClient,
        device: ReturnType<typeof softAuthenticator>,
        email: string,
      ) => {
        const challenge = await startCustomAuth(stack, client, email);
        const options = challenge.ChallengeParameters!.options!;
        return answerChallenge(
          stack,
          client,
          challenge.Session,
          challenge.ChallengeParameters!.USERNAME!,
          JSON.stringify(await device.authenticate(options)),
          { [CLIENT_METADATA.passkeyChallenge]: challengeOf(options) },
        );
      };
      const before = await passkeySignIn(first.stack, first.client, ada, "ada@example.com");
      expect(decodeJwt(before.AuthenticationResult!.IdToken!).passcode_amr).toBe("pop mfa");
      await first.stack.stop();

      // Act: the same folder again.
      const { stack, client } = await start(options);
      const after = await passkeySignIn(stack, client, ada, "ada@example.com");
      const removed = await passkeySignIn(stack, client, bo, "bo@example.com");

      // Assess
      expect(decodeJwt(after.AuthenticationResult!.IdToken!).passcode_amr).toBe("pop mfa");
      expect(removed.AuthenticationResult).toBeUndefined();
      expect(removed.ChallengeParameters).toMatchObject({ step: STEP.PASSKEY, rejected: "true" });
      const file = join(dir, "passkeys.json");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const saved = JSON.parse(await readFile(file, "utf8")) as {
        version: number;
        items: { pk: { S: string }; credentials?: { M: Record<string, unknown> } }[];
      };
      expect(saved.version).toBe(1);
      // The two accounts (bo's with no passkey left), ada's credential claim
      // only, and no sign-in record (passkey-auth#).
      const kinds = saved.items.map((item) => item.pk.S.split("#")[0]).sort();
      expect(kinds).toEqual(["passkey", "passkeys", "passkeys"]);
      const counts = saved.items
        .filter((item) => item.pk.S.startsWith("passkeys#"))
        .map((item) => Object.keys(item.credentials?.M ?? {}).length)
        .sort();
      expect(counts).toEqual([0, 1]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("dataDir: a passkeys.json this version did not write (another item kind, another version, not JSON) stops the start with a message naming the file; without the file the folder starts again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cognito-passcode-local-"));
    try {
      const bodies = [
        JSON.stringify({ version: 1, items: [{ pk: { S: "username#mallory" }, sub: { S: "x" } }] }),
        JSON.stringify({ version: 2, items: [] }),
        JSON.stringify({ version: 1, items: [null] }),
        "{not json",
      ];
      for (const body of bodies) {
        await writeFile(join(dir, "passkeys.json"), body);
        const started = startLocalStack({ dataDir: dir, port: 0 });
        await expect(started).rejects.toThrow(/^passkeys\.json in the data folder /);
      }
      // Nothing kept running: a start on the same folder without the file works.
      await rm(join(dir, "passkeys.json"));
      const stack = await startLocalStack({ dataDir: dir, port: 0 });
      await stack.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("passkeys off (the default): the first challenge is CODE and tokens carry no passcode_amr", async () => {
    const { stack, client } = await start({ triggers: { throttle: false } });
    const done = await passcodeSignUpAndSignIn(stack, "cid@example.com", "cid", client);
    expect(stack.mailbox.messages("cid@example.com")).toHaveLength(1);
    expect(decodeJwt(done.AuthenticationResult!.IdToken!)).not.toHaveProperty("passcode_amr");
    const again = await startCustomAuth(stack, client, "cid@example.com");
    expect(again.ChallengeParameters?.step).toBe(STEP.CODE);
  });
});
