import type {
  AwaitingCodeSnapshot,
  PasscodeClient,
  PasscodeSnapshot,
  PasscodeStatus,
  PasscodeTokens,
  PasscodeUser,
  SnapshotError,
} from "@cognito-passcode/client";
import { createPasscodeClient } from "@cognito-passcode/client";
import { usePasscode } from "@cognito-passcode/client/react";
import type { PasscodeErrorCode } from "@cognito-passcode/shared";
import type { useSyncExternalStore } from "react";
import { describe, expectTypeOf, it } from "vitest";

type Of<S extends PasscodeStatus> = Extract<PasscodeSnapshot, { status: S }>;

describe("snapshot types", () => {
  it("is a union on exactly the fifteen statuses (seven of them ./passkeys' screens)", () => {
    expectTypeOf<PasscodeStatus>().toEqualTypeOf<
      | "restoring"
      | "signedOut"
      | "sendingCode"
      | "awaitingCode"
      | "verifyingCode"
      | "awaitingUsername"
      | "submittingUsername"
      | "signedIn"
      | "startingPasskey"
      | "authenticatingPasskey"
      | "awaitingPasskey"
      | "verifyingPasskey"
      | "awaitingEnrolment"
      | "enrollingPasskey"
      | "verifyingEnrolment"
    >();
  });

  it("carries only what each screen needs", () => {
    expectTypeOf<Of<"awaitingCode">>().toEqualTypeOf<AwaitingCodeSnapshot>();
    expectTypeOf<Of<"awaitingCode">["codeLength"]>().toEqualTypeOf<number>();
    expectTypeOf<Of<"awaitingCode">["expiresAt"]>().toEqualTypeOf<number>();
    expectTypeOf<Of<"verifyingCode">["attemptsLeft"]>().toEqualTypeOf<number>();
    expectTypeOf<Of<"verifyingCode">["maskedEmail"]>().toEqualTypeOf<string>();
    expectTypeOf<Of<"awaitingUsername">["minLength"]>().toEqualTypeOf<number>();
    expectTypeOf<Of<"submittingUsername">["maxLength"]>().toEqualTypeOf<number>();
    expectTypeOf<Of<"signedIn">["user"]>().toEqualTypeOf<PasscodeUser>();
    expectTypeOf<PasscodeUser["username"]>().toEqualTypeOf<string | null>();
    expectTypeOf<Of<"signedOut">>().not.toHaveProperty("email");
    expectTypeOf<Of<"signedOut">>().not.toHaveProperty("user");
    expectTypeOf<Of<"awaitingUsername">>().not.toHaveProperty("codeLength");
    expectTypeOf<Of<"awaitingCode">>().not.toHaveProperty("user");
  });

  it("allows an error on every status, with shared's codes", () => {
    expectTypeOf<PasscodeSnapshot["error"]>().toEqualTypeOf<SnapshotError | undefined>();
    expectTypeOf<SnapshotError["code"]>().toEqualTypeOf<PasscodeErrorCode>();
    expectTypeOf<SnapshotError["retryAfterMs"]>().toEqualTypeOf<number | undefined>();
  });

  it("narrows on status", () => {
    const s = {} as PasscodeSnapshot;
    if (s.status === "awaitingCode") expectTypeOf(s.codeLength).toBeNumber();
    if (s.status === "signedIn") expectTypeOf(s.user.sub).toBeString();
  });

  it("is read-only", () => {
    const mutate = (s: Of<"awaitingCode">, u: Of<"signedIn">) => {
      // @ts-expect-error snapshots are immutable
      s.attemptsLeft = 1;
      // @ts-expect-error nested user too
      u.user.sub = "x";
    };
    expectTypeOf(mutate).toBeFunction();
  });
});

describe("client types", () => {
  it("fits useSyncExternalStore without a wrapper", () => {
    type Store = Parameters<typeof useSyncExternalStore<PasscodeSnapshot>>;
    expectTypeOf<PasscodeClient["subscribe"]>().toExtend<Store[0]>();
    expectTypeOf<PasscodeClient["getSnapshot"]>().toExtend<Store[1]>();
    expectTypeOf<PasscodeClient["getInitialSnapshot"]>().toExtend<NonNullable<Store[2]>>();
    expectTypeOf(usePasscode).returns.toEqualTypeOf<PasscodeSnapshot>();
  });

  it("resolves flow methods to snapshots and getTokens to tokens or null", () => {
    expectTypeOf(createPasscodeClient).returns.toEqualTypeOf<PasscodeClient>();
    expectTypeOf<PasscodeClient["requestCode"]>().returns.toEqualTypeOf<
      Promise<PasscodeSnapshot>
    >();
    expectTypeOf<PasscodeClient["submitCode"]>().returns.toEqualTypeOf<Promise<PasscodeSnapshot>>();
    expectTypeOf<PasscodeClient["submitUsername"]>().returns.toEqualTypeOf<
      Promise<PasscodeSnapshot>
    >();
    expectTypeOf<PasscodeClient["resendCode"]>().returns.toEqualTypeOf<Promise<PasscodeSnapshot>>();
    expectTypeOf<PasscodeClient["signOut"]>().returns.toEqualTypeOf<Promise<PasscodeSnapshot>>();
    expectTypeOf<PasscodeClient["reset"]>().returns.toEqualTypeOf<PasscodeSnapshot>();
    expectTypeOf<PasscodeClient["getTokens"]>().returns.toEqualTypeOf<
      Promise<PasscodeTokens | null>
    >();
    expectTypeOf<PasscodeTokens>().toEqualTypeOf<{
      readonly idToken: string;
      readonly accessToken: string;
      readonly expiresAt: number;
    }>();
  });

  it("requires clientId and accepts region or endpoint", () => {
    // @ts-expect-error clientId is required
    const missing = () => createPasscodeClient({ region: "eu-west-1" });
    expectTypeOf(missing).toBeFunction();
    expectTypeOf(createPasscodeClient)
      .parameter(0)
      .toHaveProperty("clientId")
      .toEqualTypeOf<string>();
    expectTypeOf(createPasscodeClient)
      .parameter(0)
      .toHaveProperty("endpoint")
      .toEqualTypeOf<string | undefined>();
  });
});
