import type { TriggerEvent } from "../../src/index.js";

/**
 * A minimal custom-auth trio for tests that do not need the passcode triggers:
 * one CUSTOM_CHALLENGE whose answer is `open-sesame`, three attempts, and a
 * record of every event each trigger received.
 */
export function secretWordTriggers(answer = "open-sesame", attempts = 3) {
  const events: { trigger: string; event: TriggerEvent }[] = [];
  const record = (trigger: string, event: TriggerEvent) => {
    events.push({ trigger, event: structuredClone(event) });
  };
  return {
    events,
    handlers: {
      defineAuthChallenge: async (event: TriggerEvent) => {
        record("define", event);
        const session = event.request.session as { challengeResult: boolean }[];
        const last = session.at(-1);
        if (last?.challengeResult === true) {
          event.response.issueTokens = true;
          event.response.failAuthentication = false;
        } else if (session.length >= attempts) {
          event.response.issueTokens = false;
          event.response.failAuthentication = true;
        } else {
          event.response.issueTokens = false;
          event.response.failAuthentication = false;
          event.response.challengeName = "CUSTOM_CHALLENGE";
        }
        return event;
      },
      createAuthChallenge: async (event: TriggerEvent) => {
        record("create", event);
        const session = event.request.session as unknown[];
        event.response.publicChallengeParameters = {
          hint: "magic word",
          round: session.length + 1,
        };
        event.response.privateChallengeParameters = { answer };
        event.response.challengeMetadata = `ROUND-${session.length + 1}`;
        return event;
      },
      verifyAuthChallenge: async (event: TriggerEvent) => {
        record("verify", event);
        const expected = (event.request.privateChallengeParameters as { answer: string }).answer;
        event.response.answerCorrect = event.request.challengeAnswer === expected;
        return event;
      },
      preSignUp: async (event: TriggerEvent) => {
        record("preSignUp", event);
        event.response.autoConfirmUser = true;
        return event;
      },
    },
  };
}
