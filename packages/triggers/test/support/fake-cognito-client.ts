import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { TestUser } from "./events.js";

/**
 * A stand-in for the Cognito admin API: only AdminUpdateUserAttributes, which
 * writes into the test users' attribute maps so the next trigger sees the
 * change, exactly as Cognito would. (The full wire protocol is exercised by
 * @cognito-passcode/local's tests.)
 */
export function fakeCognito(users: TestUser[]) {
  const calls: { UserPoolId: string; Username: string; attributes: Record<string, string> }[] = [];
  let failNext = 0;
  const client = {
    async send(command: { constructor: { name: string }; input: unknown }) {
      if (command.constructor.name !== "AdminUpdateUserAttributesCommand") {
        throw new Error(`unexpected command ${command.constructor.name}`);
      }
      const input = command.input as {
        UserPoolId: string;
        Username: string;
        UserAttributes: { Name: string; Value: string }[];
      };
      if (failNext > 0) {
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
      const attributes = Object.fromEntries(input.UserAttributes.map((a) => [a.Name, a.Value]));
      Object.assign(user.attributes, attributes);
      calls.push({ UserPoolId: input.UserPoolId, Username: input.Username, attributes });
      return {};
    },
  };
  return {
    client: client as unknown as CognitoIdentityProviderClient,
    calls,
    /** Makes the next `n` calls fail like a throttled Cognito. */
    failNextCalls(n: number) {
      failNext = n;
    },
  };
}
