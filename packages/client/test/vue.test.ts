// @vitest-environment jsdom
import {
  createPasscodeClient,
  type PasscodeClient,
  type PasscodeSnapshot,
} from "@cognito-passcode/client";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { mount } from "@vue/test-utils";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createSSRApp,
  defineComponent,
  effectScope,
  h,
  isReadonly,
  ref,
  type ShallowRef,
} from "vue";
import { renderToString } from "vue/server-renderer";
import { usePasscode } from "../src/vue.js";
import { restoringClient } from "./helpers/counting-client.js";
import { fullSignIn, localStackClient } from "./helpers/full-sign-in.js";
import { codeStep, scriptedTransport } from "./helpers/scripted-transport.js";

/** A sign-in screen as an app would write it: one form per step, driven by the snapshot. */
const SignIn = defineComponent({
  props: { client: { type: Object as () => PasscodeClient, required: true } },
  setup(props) {
    // biome-ignore lint/correctness/useHookAtTopLevel: a Vue composable belongs in setup(); the rule knows only React's components
    const state = usePasscode(props.client);
    const text = ref("");
    const form = (label: string, onSubmit: (value: string) => unknown) =>
      h(
        "form",
        {
          onSubmit: (e: Event) => {
            e.preventDefault();
            void onSubmit(text.value);
          },
        },
        [
          h("label", [
            label,
            h("input", {
              value: text.value,
              onInput: (e: Event) => (text.value = (e.target as HTMLInputElement).value),
            }),
          ]),
          state.value.error ? h("p", { role: "alert" }, state.value.error.code) : null,
        ],
      );
    const submit = (action: (value: string) => Promise<unknown>) => async (value: string) => {
      await action(value);
      text.value = "";
    };
    return () => {
      const s = state.value;
      switch (s.status) {
        case "signedOut":
          return form("Email", submit(props.client.requestCode));
        case "awaitingCode":
          return form(`Code sent to ${s.maskedEmail}`, submit(props.client.submitCode));
        case "awaitingUsername":
          return form(
            `Username (${s.minLength}-${s.maxLength})`,
            submit(props.client.submitUsername),
          );
        case "signedIn":
          return h("p", `Hello @${s.user.username}`);
        default:
          return h("p", s.status);
      }
    };
  },
});

describe("usePasscode (vue)", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("renders a full sign-in against the local stack: email, code, username, signed in", async () => {
    // Prepare
    const wrapper = mount(SignIn, { props: { client: localStackClient(stack) } });

    // Act + Assess: each step re-renders from the snapshot.
    await fullSignIn(
      stack,
      {
        label: () => wrapper.find("label").text(),
        alert: () => wrapper.find("[role=alert]").text(),
        text: () => wrapper.text(),
        answer: async (value) => {
          await wrapper.find("input").setValue(value);
          await wrapper.find("form").trigger("submit");
        },
      },
      "vue",
    );
    wrapper.unmount();
  });

  it("stops listening when the component unmounts", async () => {
    // Prepare
    const script = scriptedTransport();
    const client = createPasscodeClient({
      clientId: "c1",
      transport: script.transport,
      autoSignUp: false,
    });
    let state: Readonly<ShallowRef<PasscodeSnapshot>> | undefined;
    const Probe = defineComponent({
      setup() {
        // biome-ignore lint/correctness/useHookAtTopLevel: a Vue composable belongs in setup(); the rule knows only React's components
        const own = usePasscode(client);
        state = own;
        return () => h("p", own.value.status);
      },
    });
    const wrapper = mount(Probe);
    expect(wrapper.text()).toBe("signedOut");
    wrapper.unmount();

    // Act: the client moves on after the component is gone.
    const out = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(codeStep());
    await out;

    // Assess: the unmounted component's ref no longer follows the client.
    expect(client.getSnapshot().status).toBe("awaitingCode");
    expect(state?.value.status).toBe("signedOut");
  });

  it("unsubscribes when its effect scope is disposed, and keeps listening outside a scope", async () => {
    // Prepare
    const script = scriptedTransport();
    const client = createPasscodeClient({
      clientId: "c1",
      transport: script.transport,
      autoSignUp: false,
    });
    const scope = effectScope();
    const scoped = scope.run(() => usePasscode(client));
    const warn = vi.spyOn(console, "warn");
    const unscoped = usePasscode(client);
    scope.stop();

    // Act
    const out = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(codeStep());
    await out;

    // Assess
    expect(scoped?.value.status).toBe("signedOut");
    expect(unscoped.value).toBe(client.getSnapshot());
    expect(unscoped.value.status).toBe("awaitingCode");
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it("renders on the server and leaves no listener behind on the client", async () => {
    // Prepare: one client for every request, as a module-scope client is on a server.
    const { client, listening } = restoringClient();
    const Probe = defineComponent({
      setup() {
        // biome-ignore lint/correctness/useHookAtTopLevel: a Vue composable belongs in setup(); the rule knows only React's components
        const state = usePasscode(client);
        return () => h("p", state.value.status);
      },
    });

    // Act: two server renders (Vue never unmounts a server-rendered component).
    const pages = [
      await renderToString(createSSRApp(Probe)),
      await renderToString(createSSRApp(Probe)),
    ];

    // Assess
    expect(pages).toEqual(["<p>restoring</p>", "<p>restoring</p>"]);
    expect(listening()).toBe(0);
  });

  it("hands out a read-only ref: the app cannot overwrite the client's state", () => {
    const client = createPasscodeClient({
      clientId: "c1",
      transport: scriptedTransport().transport,
    });
    const state = usePasscode(client);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // @ts-expect-error the ref is read-only
    state.value = { status: "signedIn" };
    expect(isReadonly(state)).toBe(true);
    expect(state.value).toBe(client.getSnapshot());
    warn.mockRestore();
  });
});
