import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { expect } from "vitest";
import { createRawFetchClient } from "../clients/raw-fetch.js";
import type {
  AnswerResult,
  Challenge,
  ChallengeParameters,
  ConformanceClient,
  Tokens,
} from "../clients/types.js";
import { createTokenVerifier, type VerifiedTokens } from "./verify-tokens.js";

export type { LocalStack };

/** The session validity the conformance stack runs with, so a code (3 min) can expire inside a live session. */
export const SESSION_VALIDITY_MINUTES = 5;
/** The trigger defaults the scenarios rely on (DESIGN.md). */
export const CODE_TTL_MS = 180_000;
export const CODE_LENGTH = 6;
export const MAX_CODE_ATTEMPTS = 3;
export const THROTTLE_MIN_INTERVAL_MS = 30_000;

/** Starts the stack every conformance scenario runs against: defaults, plus a 5-minute session. */
export function startConformanceStack(): Promise<LocalStack> {
  return startLocalStack({ client: { authSessionValidityMinutes: SESSION_VALIDITY_MINUTES } });
}

/** What a scenario gets: the stack, the client under test, a raw probe and helpers. */
export class ScenarioContext {
  readonly probe: ConformanceClient;
  readonly verify: (tokens: Tokens) => Promise<VerifiedTokens>;
  private counter = 0;

  constructor(
    readonly stack: LocalStack,
    readonly client: ConformanceClient,
    private readonly clientName: string,
  ) {
    this.probe = createRawFetchClient(stack);
    this.verify = createTokenVerifier(stack);
  }

  /** A fresh address no other scenario uses. */
  email(tag: string): string {
    this.counter += 1;
    const slug = this.clientName.toLowerCase().replace(/[^a-z0-9]+/g, "");
    const nonce = Math.random().toString(36).slice(2, 8);
    return `${tag}.${slug}.${this.counter}.${nonce}@example.com`;
  }

  /** A fresh valid username. */
  username(tag: string): string {
    this.counter += 1;
    return `${tag}_${this.counter}_${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Stack time, epoch ms. */
  now(): number {
    return this.stack.clock.now();
  }

  /** Moves the stack's clock past the throttle's minimum interval. */
  passThrottleInterval(): void {
    this.stack.clock.advance(THROTTLE_MIN_INTERVAL_MS + 1_000);
  }

  /** Emails the stack's SES received for this address. */
  async messageCount(email: string): Promise<number> {
    const messages = await this.stack.mailbox.messages(email);
    return messages.length;
  }

  /** The code in the latest email to `email`; fails when there is none. */
  async code(email: string): Promise<string> {
    const code = await this.stack.mailbox.latestCode(email);
    expect(code, `a code was emailed to ${email}`).toMatch(/^\d{6}$/);
    return code as string;
  }

  /**
   * A new user end to end through the client under test: SignUp, the code,
   * the username. Returns the verified tokens.
   */
  async registerUser(email: string, username: string): Promise<Tokens> {
    await this.client.signUp(email);
    const challenge = await this.client.startSignIn(email);
    expectCodeChallenge(challenge.params);
    const afterCode = await this.client.answer(challenge.session, await this.code(email));
    const usernameStep = expectChallenge(afterCode, "USERNAME");
    const tokens = expectTokens(await this.client.answer(usernameStep.session, username));
    await this.verify(tokens);
    return tokens;
  }

  /**
   * A user registered through the client under test, back for another sign-in
   * once the throttle interval has passed: their address, the CODE challenge
   * the client got and the code emailed for it.
   */
  async returningUserChallenge(
    emailTag: string,
    usernameTag: string,
  ): Promise<{ email: string; challenge: Challenge; code: string }> {
    const email = this.email(emailTag);
    await this.registerUser(email, this.username(usernameTag));
    this.passThrottleInterval();
    const challenge = await this.client.startSignIn(email);
    const code = await this.code(email);
    return { email, challenge, code };
  }

  /** A returning user's sign-in through `client` (default: the client under test). */
  async signIn(email: string, client: ConformanceClient = this.client): Promise<Tokens> {
    const challenge = await client.startSignIn(email);
    expectCodeChallenge(challenge.params);
    const tokens = expectTokens(await client.answer(challenge.session, await this.code(email)));
    await this.verify(tokens);
    return tokens;
  }

  async close(): Promise<void> {
    await this.probe.close();
  }
}

/** The step's challenge, failing when the result is tokens or another step. */
export function expectChallenge(result: AnswerResult, step: "CODE" | "USERNAME"): Challenge {
  expect(result.kind, `expected a ${step} challenge`).toBe("challenge");
  if (result.kind !== "challenge") throw new Error("unreachable");
  expect(result.challenge.params.step).toBe(step);
  return result.challenge;
}

/** The tokens, failing when the result is another challenge. */
export function expectTokens(result: AnswerResult): Tokens {
  if (result.kind === "challenge") {
    expect.fail(`expected tokens, got a ${result.challenge.params.step} challenge`);
  }
  if (result.kind !== "tokens") throw new Error("unreachable");
  expect(result.tokens.idToken.split(".")).toHaveLength(3);
  expect(result.tokens.accessToken.split(".")).toHaveLength(3);
  return result.tokens;
}

/** A CODE challenge with the default code settings. */
export function expectCodeChallenge(params: ChallengeParameters): void {
  expect(params.step).toBe("CODE");
  expect(params.codeLength).toBe(String(CODE_LENGTH));
  expect(params.expiresAt).toMatch(/^\d+$/);
  expect(params.attemptsLeft).toMatch(/^\d+$/);
  expect(params.email).toMatch(/^.\*\*\*@/);
}

/** A code of the right format that is not `code`. */
export function wrongCode(code: string): string {
  const first = (Number(code[0]) + 1) % 10;
  return `${first}${code.slice(1)}`;
}

/** Rejects with Cognito's error `name` (and a message matching `message`, when given). */
export async function expectCognitoError(
  promise: Promise<unknown>,
  name: string,
  message?: RegExp,
): Promise<Error> {
  const error = await promise.then(
    () => expect.fail(`expected ${name}, but the call succeeded`),
    (e: unknown) => e as Error,
  );
  expect(error.name, `error name (message: ${error.message})`).toBe(name);
  if (message) expect(error.message).toMatch(message);
  return error;
}
