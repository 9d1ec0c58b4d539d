import type { PasscodeTriggers } from "@cognito-passcode/triggers";
import type { DefineAuthChallengeTriggerEvent } from "aws-lambda";
import {
  createEvent,
  defineEvent,
  postAuthenticationEvent,
  type TestUser,
  verifyEvent,
} from "./events.js";

type Session = DefineAuthChallengeTriggerEvent["request"]["session"];

/** What one InitiateAuth or RespondToAuthChallenge call ends with. */
export type DriverResult =
  | { kind: "challenge"; parameters: Record<string, string> }
  | { kind: "tokens" }
  /** Cognito's NotAuthorizedException after `failAuthentication`. */
  | { kind: "failed" }
  /** Cognito's UserLambdaValidationException: `<Trigger> failed with error <message>.` */
  | { kind: "error"; message: string };

/** Options for {@link CognitoDriver}. */
export interface DriverOptions {
  /**
   * How many times Cognito re-invokes Create after the first call (as it does
   * when a trigger passes 5 s); the last call's answer is the one used.
   */
  createRetries?: () => number;
}

/**
 * Runs Define, Create and Verify the way Cognito's CUSTOM_AUTH loop does:
 * Define on an empty session, Create for each challenge, Verify for each
 * answer with the private parameters of the current challenge, the session
 * array growing by `{ challengeName, challengeResult, challengeMetadata }`,
 * then Define again; PostAuthentication before tokens. A trigger error ends
 * the call with Cognito's wrapper message; a failed sign-in ends the session.
 */
export class CognitoDriver {
  private session: Session = [];
  private current?: { privateParameters: Record<string, string>; metadata: string };
  private user?: TestUser;
  /** Every Create invocation's response, retries included. */
  readonly creates: {
    publicChallengeParameters: Record<string, string>;
    challengeMetadata: string;
  }[] = [];

  constructor(
    private readonly triggers: Pick<
      PasscodeTriggers,
      "defineAuthChallenge" | "createAuthChallenge" | "verifyAuthChallenge" | "postAuthentication"
    >,
    private readonly options: DriverOptions = {},
  ) {}

  /** InitiateAuth with AuthFlow CUSTOM_AUTH: a new session. */
  async initiateAuth(user: TestUser): Promise<DriverResult> {
    this.user = user;
    this.session = [];
    this.current = undefined;
    return this.defineThenCreate();
  }

  /** RespondToAuthChallenge with ANSWER. */
  async respond(answer: string): Promise<DriverResult> {
    const user = this.user;
    const current = this.current;
    if (!user || !current) return { kind: "error", message: "Invalid session for the user." };
    let answerCorrect: boolean;
    try {
      const verified = await this.triggers.verifyAuthChallenge(
        verifyEvent(user, current.privateParameters, answer),
      );
      answerCorrect = verified.response.answerCorrect === true;
    } catch (error) {
      return this.end({ kind: "error", message: wrap("VerifyAuthChallengeResponse", error) });
    }
    this.session.push({
      challengeName: "CUSTOM_CHALLENGE",
      challengeResult: answerCorrect,
      challengeMetadata: current.metadata,
    });
    return this.defineThenCreate();
  }

  /** The session as Cognito holds it. */
  get sessionEntries(): Session {
    return structuredClone(this.session);
  }

  /** True while a challenge is open. */
  get active(): boolean {
    return this.current !== undefined;
  }

  private async defineThenCreate(): Promise<DriverResult> {
    const user = this.user!;
    let defined: DefineAuthChallengeTriggerEvent;
    try {
      defined = await this.triggers.defineAuthChallenge(defineEvent(user, this.session));
    } catch (error) {
      return this.end({ kind: "error", message: wrap("DefineAuthChallenge", error) });
    }
    const response = defined.response;
    if (response.issueTokens === true && response.failAuthentication !== true) {
      if (user.notFound) return this.end({ kind: "failed" });
      try {
        await this.triggers.postAuthentication(postAuthenticationEvent(user));
      } catch (error) {
        return this.end({ kind: "error", message: wrap("PostAuthentication", error) });
      }
      return this.end({ kind: "tokens" });
    }
    if (response.failAuthentication === true || response.challengeName !== "CUSTOM_CHALLENGE") {
      return this.end({ kind: "failed" });
    }
    const retries = this.options.createRetries?.() ?? 0;
    let last: { publicChallengeParameters: Record<string, string>; challengeMetadata: string } & {
      privateChallengeParameters: Record<string, string>;
    };
    try {
      let created = await this.triggers.createAuthChallenge(createEvent(user, this.session));
      this.creates.push(created.response);
      for (let i = 0; i < retries; i++) {
        created = await this.triggers.createAuthChallenge(createEvent(user, this.session));
        this.creates.push(created.response);
      }
      last = created.response;
    } catch (error) {
      return this.end({ kind: "error", message: wrap("CreateAuthChallenge", error) });
    }
    this.current = {
      privateParameters: last.privateChallengeParameters,
      metadata: last.challengeMetadata,
    };
    return { kind: "challenge", parameters: { ...last.publicChallengeParameters } };
  }

  private end(result: DriverResult): DriverResult {
    this.current = undefined;
    return result;
  }
}

function wrap(trigger: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `${trigger} failed with error ${message}.`;
}
