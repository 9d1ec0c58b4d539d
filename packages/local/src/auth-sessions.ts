import { randomBytes } from "node:crypto";
import { notAuthorized } from "./cognito-error.js";

/** One entry of a custom-auth session's history, as triggers see it. */
export interface ChallengeResult {
  challengeName: string;
  challengeResult: boolean;
  challengeMetadata?: string;
}

/** The server-side state behind one `Session` string. */
export interface AuthSession {
  clientId: string;
  /** The internal username, or the name the caller gave for an unknown user. */
  userName: string;
  /** The name shown to the caller as `USERNAME` (a stable fake UUID for unknown users). */
  publicUsername: string;
  userNotFound: boolean;
  history: ChallengeResult[];
  challengeName: string;
  privateChallengeParameters: Record<string, string>;
  challengeMetadata?: string;
  expiresAt: number;
  used: boolean;
}

/**
 * Sign-in sessions: single use, and valid for the app client's
 * AuthSessionValidity. A used or expired session is kept until it would have
 * expired, so a replay gets Cognito's "can only be used once" answer.
 */
export class AuthSessions {
  readonly #sessions = new Map<string, AuthSession>();
  readonly #validityMs: number;
  readonly #now: () => number;

  constructor(validityMs: number, now: () => number) {
    this.#validityMs = validityMs;
    this.#now = now;
  }

  /** Stores `state` under a new opaque session string. */
  open(state: Omit<AuthSession, "expiresAt" | "used">): string {
    this.#sweep();
    // Opaque to clients, as Cognito's are (theirs are longer; nothing may depend on it).
    const id = randomBytes(48).toString("base64url");
    this.#sessions.set(id, { ...state, expiresAt: this.#now() + this.#validityMs, used: false });
    return id;
  }

  /**
   * Takes the session for one answer: it is marked used at once, so a second
   * answer with it fails even while the first is still being checked.
   */
  consume(id: unknown): AuthSession {
    const session = typeof id === "string" ? this.#sessions.get(id) : undefined;
    if (!session) throw notAuthorized("Invalid session for the user.");
    if (session.expiresAt <= this.#now()) {
      throw notAuthorized("Invalid session for the user, session is expired.");
    }
    if (session.used) {
      throw notAuthorized("Invalid session for the user, session can only be used once.");
    }
    session.used = true;
    return session;
  }

  /** Number of sessions held (live, used or expired but not yet swept). */
  get size(): number {
    return this.#sessions.size;
  }

  #sweep(): void {
    // Sessions are stored in creation order, so expired ones sit at the front.
    // A grace period keeps recently expired ones for the "is expired" answer.
    const cutoff = this.#now() - this.#validityMs;
    for (const [id, session] of this.#sessions) {
      if (session.expiresAt > cutoff) break;
      this.#sessions.delete(id);
    }
  }
}
