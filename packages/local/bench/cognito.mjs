// The raw Cognito JSON calls both benches drive the stack with, as a browser would.

/** One Cognito JSON call with fetch; throws on an error answer. */
export async function call(endpoint, operation, body) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${operation}: ${data.__type}: ${data.message}`);
  return data;
}

/** InitiateAuth, the emailed code, RespondToAuthChallenge; then the username step when asked. */
export async function signIn(stack, email, username) {
  const { endpoint, clientId } = stack;
  const start = await call(endpoint, "InitiateAuth", {
    AuthFlow: "CUSTOM_AUTH",
    ClientId: clientId,
    AuthParameters: { USERNAME: email },
  });
  const code = await stack.mailbox.latestCode(email);
  if (!code) throw new Error("no code emailed");
  let result = await call(endpoint, "RespondToAuthChallenge", {
    ChallengeName: "CUSTOM_CHALLENGE",
    ClientId: clientId,
    Session: start.Session,
    ChallengeResponses: { USERNAME: email, ANSWER: code },
  });
  if (result.ChallengeParameters?.step === "USERNAME") {
    result = await call(endpoint, "RespondToAuthChallenge", {
      ChallengeName: "CUSTOM_CHALLENGE",
      ClientId: clientId,
      Session: result.Session,
      ChallengeResponses: { USERNAME: email, ANSWER: username },
    });
  }
  if (!result.AuthenticationResult?.IdToken) throw new Error("no tokens");
}
