import { createPasscodeClient, type PasscodeClient } from "@cognito-passcode/client";
import type { LocalStack } from "@cognito-passcode/local";
import { expect, vi } from "vitest";

/** The local stack answers within a second alone, slower on a loaded machine. */
const slow = { timeout: 10_000 };

/** What the full sign-in reads from and does to a rendered sign-in screen, whatever the framework. */
export interface SignInScreen {
  /** The text of the current step's label. */
  label(): string | null | undefined;
  /** The text of the error alert, if one is shown. */
  alert(): string | null | undefined;
  /** All the screen's text (trimmed), for the signed-in greeting. */
  text(): string | null | undefined;
  /** Types `value` into the step's input and submits its form. */
  answer(value: string): unknown;
}

/** A client of the local stack's pool, on its clock. */
export function localStackClient(stack: LocalStack): PasscodeClient {
  return createPasscodeClient({
    clientId: stack.clientId,
    endpoint: stack.endpoint,
    now: stack.clock.now,
  });
}

/**
 * Signs a new user in through `screen`, checking each step re-renders from the
 * snapshot: email, code (read from the stack's mailbox), a refused username
 * ("x": USERNAME_INVALID), a valid username, the signed-in greeting. `prefix`
 * starts the email and the username (a letter, so the username is valid).
 */
export async function fullSignIn(stack: LocalStack, screen: SignInScreen, prefix: string) {
  const email = `${prefix}${Date.now().toString(36)}@example.com`;
  expect(screen.label()).toBe("Email");
  await screen.answer(email);
  await vi.waitFor(
    () => expect(screen.label()).toMatch(new RegExp(`^Code sent to ${prefix[0]}\\*\\*\\*@`)),
    slow,
  );
  await screen.answer(await stack.mailbox.latestCode(email));
  await vi.waitFor(() => expect(screen.label()).toBe("Username (3-30)"), slow);
  await screen.answer("x");
  await vi.waitFor(() => expect(screen.alert()).toBe("USERNAME_INVALID"), slow);
  const username = `${prefix[0]}${Date.now().toString(36)}`;
  await screen.answer(username);
  await vi.waitFor(() => expect(screen.text()).toBe(`Hello @${username}`), slow);
}
