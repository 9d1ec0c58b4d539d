import { randomUUID } from "node:crypto";
import { DataFile } from "./data-file.js";

/** Cognito's user statuses that the local stack produces. */
export type UserStatus = "UNCONFIRMED" | "CONFIRMED" | "FORCE_CHANGE_PASSWORD";

/** One user of the pool. */
export interface LocalUser {
  /**
   * The internal user name, shown as `cognito:username`, `username` and
   * `Username`. With email as the username it is the user's `sub`, as in
   * Cognito (users kept in `users.json` by an older version may have another UUID).
   */
  username: string;
  /** Every attribute, `sub` and `email` included, as Cognito stores them (strings). */
  attributes: Record<string, string>;
  status: UserStatus;
  enabled: boolean;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  updatedAt: number;
  /** SignUp's confirmation code digest and its expiry, while UNCONFIRMED. */
  confirmation?: { code: string; expiresAt: number } | undefined;
  /**
   * A new email held until it is verified (AttributesRequireVerificationBeforeUpdate):
   * the `email` attribute keeps the old address meanwhile. Not an attribute, not
   * indexed: nobody signs in with it or sees it in GetUser or the ID token.
   */
  pendingEmail?: string | undefined;
  /** The outstanding email verification code: its digest, the address it was sent to, expiry and wrong tries. */
  emailVerification?: EmailVerification | undefined;
}

/** An email verification code as the stack keeps it (never the code itself). */
export interface EmailVerification {
  /** SHA-256 of the address (lower-cased) and the code: the code proves only that address. */
  digest: string;
  /** The address the code was sent to. */
  address: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Wrong answers so far. */
  failures: number;
}

/**
 * The pool's users, keyed by internal username, with case-insensitive lookups
 * by email and by `sub`. With a data folder, every change is written to
 * `users.json` (atomically, in order).
 */
export class UserStore {
  readonly #byUsername = new Map<string, LocalUser>();
  readonly #byEmail = new Map<string, string>();
  readonly #bySub = new Map<string, string>();
  readonly #file: DataFile;

  constructor(dataDir?: string, onError: (error: unknown) => void = () => {}) {
    this.#file = new DataFile(
      dataDir,
      "users.json",
      () => JSON.stringify({ version: 1, users: this.all() }, null, 2),
      onError,
    );
  }

  /** Reads `users.json` from the data folder, if any. */
  async load(): Promise<void> {
    const parsed = (await this.#file.read()) as { users?: LocalUser[] } | undefined;
    for (const user of parsed?.users ?? []) this.#index(user);
  }

  /** All users, in creation order. */
  all(): LocalUser[] {
    return [...this.#byUsername.values()];
  }

  /** Finds a user by internal username, email or `sub`, case-insensitively. */
  find(name: string): LocalUser | undefined {
    const key = name.trim().toLowerCase();
    const username = this.#byUsername.has(key)
      ? key
      : (this.#byEmail.get(key) ?? this.#bySub.get(key));
    return username === undefined ? undefined : this.#byUsername.get(username);
  }

  /** The user holding `email` as its email attribute, case-insensitively. */
  findByEmail(email: string): LocalUser | undefined {
    const username = this.#byEmail.get(email.trim().toLowerCase());
    return username === undefined ? undefined : this.#byUsername.get(username);
  }

  /**
   * Adds a new user whose `sub`, a fresh UUID unless given, is also its
   * internal username: with email as the username, Cognito names the user
   * with its `sub`.
   */
  create(
    attributes: Record<string, string>,
    status: UserStatus,
    now: number,
    sub: string = randomUUID(),
  ): LocalUser {
    const user: LocalUser = {
      username: sub,
      attributes: { ...attributes, sub },
      status,
      enabled: true,
      createdAt: now,
      updatedAt: now,
    };
    this.#index(user);
    this.#save();
    return user;
  }

  /** Applies `change` to the user and re-indexes its email. */
  update(user: LocalUser, change: (user: LocalUser) => void, now: number): void {
    const oldEmail = user.attributes.email?.toLowerCase();
    change(user);
    user.updatedAt = now;
    const newEmail = user.attributes.email?.toLowerCase();
    if (oldEmail !== newEmail) {
      if (oldEmail !== undefined) this.#byEmail.delete(oldEmail);
      if (newEmail !== undefined) this.#byEmail.set(newEmail, user.username);
    }
    this.#save();
  }

  /** Removes the user. */
  delete(user: LocalUser): void {
    this.#byUsername.delete(user.username);
    const email = user.attributes.email?.toLowerCase();
    if (email !== undefined && this.#byEmail.get(email) === user.username) {
      this.#byEmail.delete(email);
    }
    if (user.attributes.sub) this.#bySub.delete(user.attributes.sub.toLowerCase());
    this.#save();
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.#file.flush();
  }

  #index(user: LocalUser): void {
    this.#byUsername.set(user.username, user);
    const email = user.attributes.email?.toLowerCase();
    if (email !== undefined) this.#byEmail.set(email, user.username);
    if (user.attributes.sub) this.#bySub.set(user.attributes.sub.toLowerCase(), user.username);
  }

  #save(): void {
    this.#file.save();
  }
}
