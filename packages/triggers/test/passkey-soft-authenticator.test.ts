import { createHash, randomBytes } from "node:crypto";
import { softAuthenticator } from "@cognito-passcode/triggers/testing";
import { verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";

const ORIGIN = "http://localhost:5173";
const RP_ID = "localhost";

function challenge(): string {
  return randomBytes(32).toString("base64url");
}

function creationOptions(
  challengeText: string,
  userId = "dXNlci1oYW5kbGUtYWRh",
  exclude: string[] = [],
) {
  return {
    challenge: challengeText,
    rp: { id: RP_ID, name: "Acme" },
    user: { id: userId, name: "ada@example.com", displayName: "ada@example.com" },
    pubKeyCredParams: [
      { type: "public-key", alg: -8 },
      { type: "public-key", alg: -7 },
      { type: "public-key", alg: -257 },
    ],
    timeout: 120000,
    excludeCredentials: exclude.map((id) => ({ type: "public-key", id })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    attestation: "none",
  };
}

function requestOptions(challengeText: string, rpId = RP_ID) {
  return {
    challenge: challengeText,
    rpId,
    timeout: 120000,
    userVerification: "required",
    allowCredentials: [],
  };
}

async function verifyRegistration(
  response: Parameters<typeof verifyRegistrationResponse>[0]["response"],
  expectedChallenge: string,
) {
  return verifyRegistrationResponse({
    response,
    expectedChallenge,
    expectedOrigin: [ORIGIN],
    expectedRPID: RP_ID,
    requireUserVerification: true,
    supportedAlgorithmIDs: [-8, -7, -257],
  });
}

/** Registers one credential and returns what a relying party would store. */
async function enrolled(device = softAuthenticator({ origin: ORIGIN })) {
  const c = challenge();
  const registration = await device.register(JSON.stringify(creationOptions(c)));
  const result = await verifyRegistration(registration, c);
  if (!result.verified) throw new Error("registration did not verify");
  return { device, credential: result.registrationInfo.credential, info: result.registrationInfo };
}

async function verifyAssertion(
  response: Parameters<typeof verifyAuthenticationResponse>[0]["response"],
  expectedChallenge: string,
  credential: Awaited<ReturnType<typeof enrolled>>["credential"],
) {
  return verifyAuthenticationResponse({
    response,
    expectedChallenge,
    expectedOrigin: [ORIGIN],
    expectedRPID: RP_ID,
    credential,
    requireUserVerification: true,
  });
}

describe("softAuthenticator registration", () => {
  it("produces a none-attestation ES256 registration that @simplewebauthn/server verifies", async () => {
    const device = softAuthenticator({ origin: ORIGIN });
    const c = challenge();
    const response = await device.register(creationOptions(c));
    expect(response.id).toBe(response.rawId);
    expect(response.type).toBe("public-key");
    expect(response.clientExtensionResults).toEqual({ credProps: { rk: true } });
    const result = await verifyRegistration(response, c);
    expect(result.verified).toBe(true);
    const info = result.registrationInfo;
    if (info === undefined) throw new Error("no registrationInfo");
    expect(info.fmt).toBe("none");
    expect(info.userVerified).toBe(true);
    expect(info.credential.id).toBe(response.id);
    expect(info.credential.counter).toBe(0);
    expect(info.credentialDeviceType).toBe("multiDevice");
    expect(info.credentialBackedUp).toBe(true);
    expect(info.origin).toBe(ORIGIN);
    expect(info.rpID).toBe(RP_ID);
    expect(device.credentials).toHaveLength(1);
    expect(device.credentials[0]?.userHandle).toBe("dXNlci1oYW5kbGUtYWRh");
    expect(Buffer.from(info.credential.publicKey).toString("base64url")).toBe(
      device.credentials[0]?.cosePublicKey,
    );
  });

  it("reports a single-device credential when asked", async () => {
    const device = softAuthenticator({ origin: ORIGIN, deviceType: "singleDevice" });
    const { info } = await enrolled(device);
    expect(info.credentialDeviceType).toBe("singleDevice");
    expect(info.credentialBackedUp).toBe(false);
  });

  it("fails verification with userVerified false", async () => {
    const c = challenge();
    const response = await softAuthenticator({ origin: ORIGIN }).register(creationOptions(c), {
      userVerified: false,
    });
    await expect(verifyRegistration(response, c)).rejects.toThrow(/user could not be verified/);
  });

  it("fails verification with a wrong origin", async () => {
    const c = challenge();
    const response = await softAuthenticator({ origin: ORIGIN }).register(creationOptions(c), {
      origin: "https://evil.example",
    });
    await expect(verifyRegistration(response, c)).rejects.toThrow(/origin/);
  });

  it("fails verification with a wrong RP id", async () => {
    const c = challenge();
    const response = await softAuthenticator({ origin: ORIGIN }).register(creationOptions(c), {
      rpId: "evil.example",
    });
    await expect(verifyRegistration(response, c)).rejects.toThrow(/RP ID/i);
  });

  it("fails verification over another challenge", async () => {
    const c = challenge();
    const response = await softAuthenticator({ origin: ORIGIN }).register(creationOptions(c), {
      challenge: challenge(),
    });
    await expect(verifyRegistration(response, c)).rejects.toThrow(/challenge/);
  });

  it("reports rk false when asked (the relying party must refuse it itself)", async () => {
    const c = challenge();
    const response = await softAuthenticator({ origin: ORIGIN }).register(creationOptions(c), {
      rk: false,
    });
    expect(response.clientExtensionResults.credProps?.rk).toBe(false);
    // The signature layer does not look at credProps: the check is the relying party's.
    expect((await verifyRegistration(response, c)).verified).toBe(true);
  });

  it("writes the counter override into the authenticator data", async () => {
    const c = challenge();
    const response = await softAuthenticator({ origin: ORIGIN }).register(creationOptions(c), {
      counter: 7,
    });
    expect((await verifyRegistration(response, c)).registrationInfo?.credential.counter).toBe(7);
  });

  it("registers under a chosen credential id", async () => {
    const { credential } = await enrolled();
    const c = challenge();
    const other = softAuthenticator({ origin: ORIGIN });
    const response = await other.register(creationOptions(c, "b3RoZXI"), {
      credentialId: credential.id,
    });
    const result = await verifyRegistration(response, c);
    expect(result.registrationInfo?.credential.id).toBe(credential.id);
    expect(
      Buffer.from(result.registrationInfo?.credential.publicKey ?? []).equals(credential.publicKey),
    ).toBe(false);
  });

  it("refuses to register when it holds an excluded credential, and without ES256", async () => {
    const { device, credential } = await enrolled();
    await expect(
      device.register(creationOptions(challenge(), "eA", [credential.id])),
    ).rejects.toMatchObject({
      name: "InvalidStateError",
    });
    await expect(
      device.register({
        ...creationOptions(challenge()),
        pubKeyCredParams: [{ type: "public-key", alg: -257 }],
      }),
    ).rejects.toMatchObject({ name: "NotSupportedError" });
  });
});

describe("softAuthenticator assertions", () => {
  it("produces an assertion @simplewebauthn/server verifies, with the user handle, at counter 0", async () => {
    const { device, credential } = await enrolled();
    const c = challenge();
    const response = await device.authenticate(JSON.stringify(requestOptions(c)));
    expect(response.id).toBe(credential.id);
    expect(response.response.userHandle).toBe("dXNlci1oYW5kbGUtYWRh");
    const result = await verifyAssertion(response, c, credential);
    expect(result.verified).toBe(true);
    expect(result.authenticationInfo.newCounter).toBe(0);
    expect(result.authenticationInfo.userVerified).toBe(true);
    expect(result.authenticationInfo.credentialDeviceType).toBe("multiDevice");
    // Again: a synced passkey keeps counter 0 and is accepted every time.
    const again = challenge();
    expect(
      (await verifyAssertion(await device.authenticate(requestOptions(again)), again, credential))
        .verified,
    ).toBe(true);
  });

  it("fails verification with userVerified false", async () => {
    const { device, credential } = await enrolled();
    const c = challenge();
    const response = await device.authenticate(requestOptions(c), { userVerified: false });
    await expect(verifyAssertion(response, c, credential)).rejects.toThrow(
      /user could not be verified/,
    );
  });

  it("fails verification with a wrong origin", async () => {
    const { device, credential } = await enrolled();
    const c = challenge();
    const response = await device.authenticate(requestOptions(c), {
      origin: "http://localhost:9999",
    });
    await expect(verifyAssertion(response, c, credential)).rejects.toThrow(/origin/);
  });

  it("fails verification with a wrong RP id", async () => {
    const { device, credential } = await enrolled();
    const c = challenge();
    const response = await device.authenticate(requestOptions(c), { rpId: "example.com" });
    await expect(verifyAssertion(response, c, credential)).rejects.toThrow(/RP ID/i);
  });

  it("fails verification over another challenge (another session's)", async () => {
    const { device, credential } = await enrolled();
    const mine = challenge();
    const theirs = challenge();
    const response = await device.authenticate(requestOptions(mine), { challenge: theirs });
    await expect(verifyAssertion(response, mine, credential)).rejects.toThrow(/challenge/);
    // and an honest assertion over one challenge does not verify against another
    const honest = await device.authenticate(requestOptions(theirs));
    await expect(verifyAssertion(honest, mine, credential)).rejects.toThrow(/challenge/);
  });

  it("follows the counter rule: greater accepted, equal or lower refused once the counter moved", async () => {
    const { device, credential } = await enrolled();
    const at = (n: number) => ({ ...credential, counter: n });
    const c1 = challenge();
    const up = await verifyAssertion(
      await device.authenticate(requestOptions(c1), { counter: 5 }),
      c1,
      at(0),
    );
    expect(up.verified).toBe(true);
    expect(up.authenticationInfo.newCounter).toBe(5);
    const c2 = challenge();
    await expect(
      verifyAssertion(await device.authenticate(requestOptions(c2), { counter: 5 }), c2, at(5)),
    ).rejects.toThrow(/counter/);
    const c3 = challenge();
    await expect(
      verifyAssertion(await device.authenticate(requestOptions(c3), { counter: 0 }), c3, at(5)),
    ).rejects.toThrow(/counter/);
    const c4 = challenge();
    expect(
      (
        await verifyAssertion(
          await device.authenticate(requestOptions(c4), { counter: 6 }),
          c4,
          at(5),
        )
      ).verified,
    ).toBe(true);
  });

  it("does not verify under another credential's public key", async () => {
    const first = await enrolled();
    const second = await enrolled();
    const c = challenge();
    const response = await first.device.authenticate(requestOptions(c));
    const verified = await verifyAssertion(response, c, {
      ...second.credential,
      id: response.id,
    }).catch(() => ({
      verified: false,
    }));
    expect(verified.verified).toBe(false);
  });

  it("overrides or omits the user handle", async () => {
    const { device, credential } = await enrolled();
    const c = challenge();
    const other = await device.authenticate(requestOptions(c), { userHandle: "c29tZW9uZS1lbHNl" });
    expect(other.response.userHandle).toBe("c29tZW9uZS1lbHNl");
    // The user handle is not signed: the relying party must compare it with the stored one.
    expect((await verifyAssertion(other, c, credential)).verified).toBe(true);
    const none = await device.authenticate(requestOptions(challenge()), { userHandle: null });
    expect("userHandle" in none.response).toBe(false);
  });

  it("picks a discoverable credential for the options' RP id; credentialId chooses among several", async () => {
    const device = softAuthenticator({ origin: ORIGIN });
    const a = await enrolled(device);
    const c = challenge();
    await device.register(creationOptions(c, "c2Vjb25k"));
    expect(device.credentials).toHaveLength(2);
    const latest = await device.authenticate(requestOptions(challenge()));
    expect(latest.id).toBe(device.credentials[1]?.id);
    const chosenChallenge = challenge();
    const chosen = await device.authenticate(requestOptions(chosenChallenge), {
      credentialId: a.credential.id,
    });
    expect(chosen.id).toBe(a.credential.id);
    expect((await verifyAssertion(chosen, chosenChallenge, a.credential)).verified).toBe(true);
    // allowCredentials narrows the choice
    const allowed = await device.authenticate({
      ...requestOptions(challenge()),
      allowCredentials: [{ type: "public-key", id: a.credential.id }],
    });
    expect(allowed.id).toBe(a.credential.id);
    // no credential for another RP id
    await expect(
      device.authenticate(requestOptions(challenge(), "example.com")),
    ).rejects.toMatchObject({
      name: "NotAllowedError",
    });
    expect(device.forget(a.credential.id)).toBe(true);
    expect(device.forget(a.credential.id)).toBe(false);
    await expect(
      device.authenticate({
        ...requestOptions(challenge()),
        allowCredentials: [{ type: "public-key", id: a.credential.id }],
      }),
    ).rejects.toMatchObject({ name: "NotAllowedError" });
  });

  it("signs authData || SHA-256(clientDataJSON) with the registered key", async () => {
    const { device } = await enrolled();
    const response = await device.authenticate(requestOptions(challenge()));
    const { createPublicKey, verify } = await import("node:crypto");
    const key = createPublicKey({
      key: Buffer.from(device.credentials[0]!.publicKey, "base64url"),
      format: "der",
      type: "spki",
    });
    const signed = Buffer.concat([
      Buffer.from(response.response.authenticatorData, "base64url"),
      createHash("sha256")
        .update(Buffer.from(response.response.clientDataJSON, "base64url"))
        .digest(),
    ]);
    expect(
      verify("sha256", signed, key, Buffer.from(response.response.signature, "base64url")),
    ).toBe(true);
  });
});
