import type { CognitoGetter } from "./resolve-options.js";

/** Writes user attributes with AdminUpdateUserAttributes through the lazily built Cognito client. */
export async function updateUserAttributes(
  cognito$: CognitoGetter,
  userPoolId: string,
  userName: string,
  attributes: Readonly<Record<string, string>>,
): Promise<void> {
  const { client, sdk } = await cognito$();
  await client.send(
    new sdk.AdminUpdateUserAttributesCommand({
      UserPoolId: userPoolId,
      Username: userName,
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
}
