import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { TestUser } from "./events.js";

/** The admin operations the stand-in answers. */
type FakeOperation = "AdminUpdateUserAttributes" | "AdminUserGlobalSignOut";

/**
 * A stand-in for the Cognito admin API: AdminUpdateUserAttributes, which
 * writes into the test users' attribute maps so the next trigger sees the
 * change, exactly as Cognito would, and AdminUserGlobalSignOut, which counts
 * a user's sign-outs. (The full wire protocol is exercised by
 * @cognito-passcode/local's tests.)
 */
export function fakeCognito(users: TestUser[]) {
  const calls: { UserPoolId: string; Username: string; attributes: Record<string, string> }[] = [];
  const signOuts: { UserPoolId: string; Username: string }[] = [];
  /** Every call answered (failed ones included), in order, by operation name. */
  const operations: FakeOperation[] = [];
  let failNext = 0;
  let failOnly: FakeOperation | undefined;
  const client = {
    async send(command: { constructor: { name: string }; input: unknown }) {
      const name = command.constructor.name.replace(/Command$/, "");
      if (name !== "AdminUpdateUserAttributes" && name !== "AdminUserGlobalSignOut") {
        throw new Error(`unexpected command ${command.constructor.name}`);
      }
      operations.push(name);
      const input = command.input as {
        UserPoolId: string;
        Username: string;
        UserAttributes?: { Name: string; Value: string }[];
      };
      if (failNext > 0 && (failOnly === undefined || failOnly === name)) {
        failNext--;
        const error = new Error("Rate exceeded");
        error.name = "TooManyRequestsException";
        throw error;
      }
      const user = users.find((u) => u.userName === input.Username && !u.notFound);
      if (!user) {
        const error = new Error("User does not exist.");
        error.name = "UserNotFoundException";
        throw error;
      }
      if (name === "AdminUserGlobalSignOut") {
        signOuts.push({ UserPoolId: input.UserPoolId, Username: input.Username });
        return {};
      }
      const attributes = Object.fromEntries(
        (input.UserAttributes ?? []).map((a) => [a.Name, a.Value]),
      );
      Object.assign(user.attributes, attributes);
      calls.push({ UserPoolId: input.UserPoolId, Username: input.Username, attributes });
      return {};
    },
  };
  return {
    client: client as unknown as CognitoIdentityProviderClient,
    /** The AdminUpdateUserAttributes calls that succeeded. */
    calls,
    /** The AdminUserGlobalSignOut calls that succeeded. */
    signOuts,
    operations,
    /** Makes the next `n` calls (of `operation` only, when given) fail like a throttled Cognito. */
    failNextCalls(n: number, operation?: FakeOperation) {
      failNext = n;
      failOnly = operation;
    },
  };
}
