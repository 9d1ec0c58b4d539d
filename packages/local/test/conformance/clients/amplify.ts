import { Amplify } from "aws-amplify";
import {
  confirmSignIn,
  fetchAuthSession,
  fetchUserAttributes,
  signIn,
  signOut,
  signUp,
  updateUserAttributes,
} from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";
import type { KeyValueStorageInterface } from "aws-amplify/utils";
import {
  type AnswerResult,
  type Challenge,
  type ClientDescriptor,
  type ConformanceClient,
  randomPassword,
  type StackEndpoint,
  type Tokens,
  toClientCallError,
} from "./types.js";

/** Amplify's async key-value storage contract, in memory: Node has no localStorage. */
function memoryKeyValueStorage(): KeyValueStorageInterface {
  const items = new Map<string, string>();
  return {
    setItem: async (key: string, value: string) => void items.set(key, value),
    getItem: async (key: string) => items.get(key) ?? null,
    removeItem: async (key: string) => void items.delete(key),
    clear: async () => items.clear(),
  };
}

interface AmplifySession {
  readonly generation: number;
}

/**
 * The conformance client built on Amplify v6 (`signIn` with
 * `CUSTOM_WITHOUT_SRP`, `confirmSignIn`, `fetchAuthSession`, `signOut`).
 *
 * Amplify is a process-wide singleton: this configures it for one stack, so
 * only one Amplify client may exist at a time and its scenarios run
 * sequentially. It keeps the sign-in session and the tokens to itself:
 * - it always answers with its latest session, so stale or used sessions
 *   cannot be replayed through it (the other clients cover those scenarios);
 * - it holds one signed-in user; calls taking tokens check they are the ones
 *   Amplify holds, rather than silently acting on others;
 * - `signOut` swallows service errors and drops the tokens, so what happens to
 *   revoked tokens is checked with a raw probe, not through Amplify.
 * Tokens live in an in-memory KeyValueStorage (Node has no localStorage).
 * Before a new sign-in the adapter empties that storage, as a browser whose
 * storage was cleared would, so earlier sessions stay valid for the scenario.
 */
export function createAmplifyClient(stack: StackEndpoint): ConformanceClient {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: stack.userPoolId,
        userPoolClientId: stack.clientId,
        userPoolEndpoint: stack.endpoint,
      },
    },
  });
  const storage = memoryKeyValueStorage();
  cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);
  let generation = 0;

  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toClientCallError(error);
    }
  };

  const currentTokens = async (): Promise<Tokens> => {
    const stored = await cognitoUserPoolsTokenProvider.authTokenStore.loadTokens();
    if (!stored?.idToken) throw new Error("Amplify holds no tokens");
    return {
      idToken: stored.idToken.toString(),
      accessToken: stored.accessToken.toString(),
      ...(stored.refreshToken ? { refreshToken: stored.refreshToken } : {}),
    };
  };

  const assertHeld = async (tokens: Tokens): Promise<void> => {
    const held = await currentTokens();
    if (held.accessToken !== tokens.accessToken) {
      throw new Error("Amplify only acts on the tokens it holds; these are not them");
    }
  };

  const toChallenge = (params: Record<string, string> | undefined): Challenge => {
    generation += 1;
    return { params: params ?? {}, session: { generation } satisfies AmplifySession };
  };

  return {
    async signUp(email) {
      await call(() =>
        signUp({
          username: email,
          password: randomPassword(),
          options: { userAttributes: { email } },
        }),
      );
    },
    async startSignIn(email) {
      await storage.clear();
      const result = await call(() =>
        signIn({ username: email, options: { authFlowType: "CUSTOM_WITHOUT_SRP" } }),
      );
      if (result.nextStep.signInStep !== "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE") {
        throw new Error(`unexpected sign-in step ${result.nextStep.signInStep}`);
      }
      return toChallenge(result.nextStep.additionalInfo as Record<string, string> | undefined);
    },
    async answer(session, answer): Promise<AnswerResult> {
      if ((session as AmplifySession).generation !== generation) {
        throw new Error("Amplify answers only its latest session");
      }
      const result = await call(() => confirmSignIn({ challengeResponse: answer }));
      if (result.isSignedIn) return { kind: "tokens", tokens: await currentTokens() };
      if (result.nextStep.signInStep !== "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE") {
        throw new Error(`unexpected sign-in step ${result.nextStep.signInStep}`);
      }
      return {
        kind: "challenge",
        challenge: toChallenge(
          result.nextStep.additionalInfo as Record<string, string> | undefined,
        ),
      };
    },
    async refresh(tokens) {
      await assertHeld(tokens);
      const session = await call(() => fetchAuthSession({ forceRefresh: true }));
      // Amplify turns a refused refresh into "signed out" (no tokens) instead of an error.
      if (!session.tokens?.idToken) {
        throw new Error("Amplify refresh returned no tokens (refresh refused)");
      }
      return currentTokens();
    },
    async revoke(tokens) {
      await assertHeld(tokens);
      await call(() => signOut());
    },
    async globalSignOut(tokens) {
      await assertHeld(tokens);
      await call(() => signOut({ global: true }));
    },
    async getUser(tokens) {
      await assertHeld(tokens);
      const attributes = await call(() => fetchUserAttributes());
      return Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [name, value ?? ""]),
      );
    },
    async updateUserAttributes(tokens, attributes) {
      await assertHeld(tokens);
      await call(() => updateUserAttributes({ userAttributes: attributes }));
    },
    async close() {
      await storage.clear();
    },
  };
}

/** Amplify v6 as the conformance suite runs it (see {@link createAmplifyClient} for what it hides). */
export const amplify: ClientDescriptor = {
  name: "Amplify v6",
  capabilities: {
    replayStaleSession: false,
    resubmitUsedSession: false,
    useTokensAfterSignOut: false,
  },
  create: createAmplifyClient,
};
