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

/**
 * Signs a user out everywhere with AdminUserGlobalSignOut through the lazily
 * built Cognito client: revokes every refresh token Cognito has issued to the
 * user, and with them the access tokens issued from them at Cognito's own
 * APIs (a resource server that checks JWTs offline accepts an access or ID
 * token until it expires). Tokens issued afterwards are not affected.
 * Needs `cognito-idp:AdminUserGlobalSignOut` on the pool.
 */
export async function globalSignOut(
  cognito$: CognitoGetter,
  userPoolId: string,
  userName: string,
): Promise<void> {
  const { client, sdk } = await cognito$();
  await client.send(
    new sdk.AdminUserGlobalSignOutCommand({ UserPoolId: userPoolId, Username: userName }),
  );
}
