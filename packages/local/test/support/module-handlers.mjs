// Trigger handlers loaded by module path ("test/support/module-handlers.mjs#name").

/** Define: one challenge, tokens when it was answered right. */
export async function define(event) {
  const last = event.request.session.at(-1);
  if (last?.challengeResult) {
    event.response.issueTokens = true;
  } else if (event.request.session.length >= 1) {
    event.response.failAuthentication = true;
  } else {
    event.response.challengeName = "CUSTOM_CHALLENGE";
  }
  return event;
}

/** Create, callback style: the answer is "from-a-module". */
export function create(event, _context, callback) {
  event.response.publicChallengeParameters = { from: "module" };
  event.response.privateChallengeParameters = { answer: "from-a-module" };
  callback(null, event);
}

/** Verify. */
export async function verify(event) {
  event.response.answerCorrect =
    event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
  return event;
}

/** Pre Token Generation (V1_0): adds the ID-token claim `from_module`. */
export async function preTokenGeneration(event) {
  event.response = { claimsOverrideDetails: { claimsToAddOrOverride: { from_module: "yes" } } };
  return event;
}
