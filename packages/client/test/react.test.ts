// @vitest-environment happy-dom
import { createPasscodeClient, type PasscodeClient } from "@cognito-passcode/client";
import { usePasscode } from "@cognito-passcode/client/react";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { afterEach, describe, expect, it } from "vitest";
import { codeStep, scriptedTransport, tokensFor } from "./helpers/scripted-transport.js";

function SignIn({ client }: { client: PasscodeClient }) {
  const state = usePasscode(client);
  switch (state.status) {
    case "signedOut":
      return h(
        "button",
        { type: "button", onClick: () => void client.requestCode("alice@example.com") },
        state.error ? `error ${state.error.code}` : "send code",
      );
    case "awaitingCode":
      return h(
        "button",
        { type: "button", onClick: () => void client.submitCode("123456") },
        `code of ${state.codeLength} digits to ${state.maskedEmail}`,
      );
    case "signedIn":
      return h("p", null, `hello ${state.user.username}`);
    default:
      return h("p", null, state.status);
  }
}

describe("usePasscode", () => {
  afterEach(cleanup);

  it("renders every step of the flow from the client's snapshot", async () => {
    // Prepare
    const script = scriptedTransport();
    const client = createPasscodeClient({
      clientId: "c1",
      transport: script.transport,
      autoSignUp: false,
    });
    render(h(SignIn, { client }));
    expect(screen.getByRole("button").textContent).toBe("send code");

    // Act + Assess: each snapshot change re-renders.
    fireEvent.click(screen.getByRole("button"));
    expect(screen.getByText("sendingCode")).toBeTruthy();
    await act(async () => script.take("initiateAuth").resolve(codeStep()));
    expect(screen.getByRole("button").textContent).toBe("code of 6 digits to a***@e***.com");
    fireEvent.click(screen.getByRole("button"));
    expect(screen.getByText("verifyingCode")).toBeTruthy();
    await act(async () =>
      script.take().resolve({
        type: "tokens",
        tokens: tokensFor({ sub: "s1", email: "alice@example.com", "custom:username": "alice" }),
      }),
    );
    expect(screen.getByText("hello alice")).toBeTruthy();
    await act(async () => {
      const out = client.signOut();
      script.take("revokeToken").resolve(undefined);
      await out;
    });
    expect(screen.getByRole("button").textContent).toBe("send code");
  });

  it("shows errors from the snapshot", async () => {
    const script = scriptedTransport();
    const client = createPasscodeClient({
      clientId: "c1",
      transport: script.transport,
      autoSignUp: false,
    });
    render(h(SignIn, { client }));
    fireEvent.click(screen.getByRole("button"));
    await act(async () => script.take().reject(new TypeError("Failed to fetch")));
    expect(screen.getByRole("button").textContent).toBe("error NETWORK_ERROR");
  });

  it("renders the initial snapshot on the server", () => {
    const client = createPasscodeClient({
      clientId: "c1",
      transport: scriptedTransport().transport,
      storage: { getItem: () => null, setItem() {}, removeItem() {} },
    });
    expect(renderToString(h(SignIn, { client }))).toBe("<p>restoring</p>");
  });
});
