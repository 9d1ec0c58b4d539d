import type { PasscodeTriggers } from "@cognito-passcode/triggers";
import type { DefineAuthChallengeTriggerEvent } from "aws-lambda";
import { createEvent, defineEvent, type TestUser, verifyEvent } from "./events.js";

type Session = DefineAuthChallengeTriggerEvent["request"]["session"];

/** The end of one InitiateAuth or RespondToAuthChallenge call. */
export type LoopResult =
  | { kind: "challenge"; parameters: Record<string, string> }
  | { kind: "tokens" }
  | { kind: "failed" }
  | { kind: "error"; message: string };

/** A result's public challenge parameters; `{}` for tokens, a failure or an error. */
export const parametersOf = (result: LoopResult): Record<string, string> =>
  result.kind === "challenge" ? result.parameters : {};

/** The WebAuthn options JSON of a PASSKEY or ENROL challenge; throws when it carries none. */
export function optionsOf(result: LoopResult): string {
  const options = parametersOf(result).options;
  if (!options) throw new Error(`no options in ${JSON.stringify(result)}`);
  return options;
}

type Metadata = Record<string, string> | undefined;

const withMetadata = <E extends { request: object }>(event: E, metadata: Metadata): E => {
  if (metadata) (event.request as { clientMetadata?: Metadata }).clientMetadata = { ...metadata };
  return event;
};

/**
 * Cognito's CUSTOM_AUTH loop with ClientMetadata: InitiateAuth runs Define
 * and Create without it; RespondToAuthChallenge passes its ClientMetadata to
 * Verify, Define and Create of that request (as Cognito and the local stack
 * do). The session grows by one `{ challengeName, challengeResult,
 * challengeMetadata }` per answer. `fork()` copies a session so that several
 * answers can race on it.
 */
export class PasskeyLoop {
  session: Session = [];
  current?: { privateParameters: Record<string, string>; metadata: string };
  ended = false;

  constructor(
    readonly triggers: Pick<
      PasscodeTriggers,
      "defineAuthChallenge" | "createAuthChallenge" | "verifyAuthChallenge"
    >,
    readonly user: TestUser,
  ) {}

  /** InitiateAuth with CUSTOM_AUTH. */
  start(): Promise<LoopResult> {
    this.session = [];
    this.current = undefined;
    this.ended = false;
    return this.defineThenCreate(undefined);
  }

  /** A copy of this session at its current challenge. */
  fork(): PasskeyLoop {
    const copy = new PasskeyLoop(this.triggers, this.user);
    copy.session = structuredClone(this.session);
    copy.current = this.current && structuredClone(this.current);
    return copy;
  }

  /** RespondToAuthChallenge with ANSWER and ClientMetadata. */
  async respond(answer: string, metadata?: Metadata): Promise<LoopResult> {
    const current = this.current;
    if (!current || this.ended) return { kind: "error", message: "Invalid session for the user." };
    let answerCorrect: boolean;
    try {
      const event = withMetadata(
        verifyEvent(this.user, current.privateParameters, answer),
        metadata,
      );
      answerCorrect =
        (await this.triggers.verifyAuthChallenge(event)).response.answerCorrect === true;
    } catch (error) {
      this.ended = true;
      return { kind: "error", message: (error as Error).message };
    }
    this.session.push({
      challengeName: "CUSTOM_CHALLENGE",
      challengeResult: answerCorrect,
      challengeMetadata: current.metadata,
    });
    return this.defineThenCreate(metadata);
  }

  private async defineThenCreate(metadata: Metadata): Promise<LoopResult> {
    try {
      const defined = await this.triggers.defineAuthChallenge(
        withMetadata(defineEvent(this.user, this.session), metadata),
      );
      if (defined.response.issueTokens) {
        this.ended = true;
        return { kind: "tokens" };
      }
      if (
        defined.response.failAuthentication ||
        defined.response.challengeName !== "CUSTOM_CHALLENGE"
      ) {
        this.ended = true;
        return { kind: "failed" };
      }
      const created = await this.triggers.createAuthChallenge(
        withMetadata(createEvent(this.user, this.session), metadata),
      );
      this.current = {
        privateParameters: created.response.privateChallengeParameters,
        metadata: created.response.challengeMetadata ?? "",
      };
      return { kind: "challenge", parameters: created.response.publicChallengeParameters };
    } catch (error) {
      this.ended = true;
      return { kind: "error", message: (error as Error).message };
    }
  }
}
