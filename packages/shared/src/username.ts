import { PasscodeError } from "./errors.js";
import { reservedUsernameMatcher, usernameSkeleton } from "./username-skeleton.js";

/**
 * Names refused by the default policy: roles, system words and names people
 * could use to impersonate staff. Compare on the normalised form.
 */
export const DEFAULT_RESERVED_USERNAMES: readonly string[] = /* @__PURE__ */ Object.freeze(
  // One space-separated string: about half the bytes of an array literal in a
  // browser bundle. Every entry is already in normalised form. The inner
  // call needs its own annotation, or bundlers keep the string.
  /* @__PURE__ */ (
    "admin administrator root superuser support security system sysadmin help helpdesk " +
    "api www mail email postmaster hostmaster webmaster abuse noreply no_reply info staff " +
    "official moderator mod owner billing account accounts login signin signup register " +
    "auth oauth null undefined anonymous everyone here me you user username test cognito " +
    "aws amazon"
  ).split(" "),
);

/**
 * Words no username may contain, even disguised: `the_admin`, `support_team`
 * and `m0derator42` read as staff. Compared as parts of the name's
 * {@link usernameSkeleton}, so each one also refuses every ordinary word that
 * contains it (`administer`, `insecurity`, `unofficial`, `flagstaff`); the
 * list is short for that reason.
 */
export const DEFAULT_STAFF_WORDS: readonly string[] = /* @__PURE__ */ Object.freeze([
  "admin",
  "support",
  "official",
  "moderator",
  "staff",
  "security",
  "helpdesk",
]);

/** Options for the username policy; every field has a default. */
export interface UsernamePolicyOptions {
  /**
   * Shortest allowed username, in characters after normalisation (1..64).
   * @default 3
   */
  minLength?: number;
  /**
   * Longest allowed username, in characters after normalisation (minLength..64).
   * @default 30
   */
  maxLength?: number;
  /**
   * Names to refuse, and every name that reads as one of them: compared on
   * the {@link usernameSkeleton} (`adrnin`, `adm1n` and `admin_2` are all
   * `admin`). Replaces the default list; spread
   * {@link DEFAULT_RESERVED_USERNAMES} to extend it instead.
   * @default DEFAULT_RESERVED_USERNAMES
   */
  reserved?: readonly string[];
  /**
   * Words no name may contain, compared on the {@link usernameSkeleton}:
   * `support` refuses `support_team`, `the5upport` and `supporter`. Each word
   * needs a skeleton of at least 3 letters. Replaces the default list; `[]`
   * turns the check off. Only the service holds it: the browser client never
   * sees it (a refused name comes back as `USERNAME_UNAVAILABLE`).
   * @default DEFAULT_STAFF_WORDS
   */
  staffWords?: readonly string[];
}

/** A complete username policy, as {@link resolveUsernamePolicy} returns it. */
export interface UsernamePolicy {
  readonly minLength: number;
  readonly maxLength: number;
  /** The reserved names as configured, normalised. */
  readonly reserved: ReadonlySet<string>;
  /** The staff words, as skeletons ({@link usernameSkeleton}). */
  readonly staffWords: readonly string[];
  /**
   * The reserved check {@link validateUsername} runs on a normalised name:
   * `true` when it reads as a reserved name or contains a staff word, on the
   * {@link usernameSkeleton}.
   */
  readonly isReserved: (username: string) => boolean;
}

/**
 * What {@link checkUsername} asks whether a normalised name is reserved:
 * a `Set` of normalised names (exact match), or
 * `{ has: policy.isReserved }` for the policy's look-alike check.
 */
export interface ReservedUsernames {
  has(username: string): boolean;
}

/** Why {@link validateUsername} refused a name. */
export type UsernameRejection =
  | "EMPTY"
  | "TOO_SHORT"
  | "TOO_LONG"
  | "INVALID_CHARACTERS"
  | "MUST_START_WITH_LETTER"
  | "RESERVED";

/** The result of {@link validateUsername}. */
export type UsernameValidation =
  | { ok: true; username: string }
  | { ok: false; reason: UsernameRejection; message: string };

const MAX_POLICY_LENGTH = 64;

function checkLength(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new PasscodeError(
      "CONFIGURATION_ERROR",
      `${field} must be an integer from ${min} to ${max}, got ${String(value)}`,
      { details: { field } },
    );
  }
  return value;
}

/**
 * Fills the policy's defaults and checks them. Throws a `CONFIGURATION_ERROR`
 * {@link PasscodeError} naming the field when an option is out of range.
 * `fieldPrefix` is prepended to field names in messages (e.g. `username.policy.`).
 */
export function resolveUsernamePolicy(
  options: UsernamePolicyOptions = {},
  fieldPrefix = "",
): UsernamePolicy {
  const minLength = checkLength(
    `${fieldPrefix}minLength`,
    options.minLength ?? 3,
    1,
    MAX_POLICY_LENGTH,
  );
  const maxLength = checkLength(
    `${fieldPrefix}maxLength`,
    options.maxLength ?? 30,
    minLength,
    MAX_POLICY_LENGTH,
  );
  const reservedList = checkStrings(
    `${fieldPrefix}reserved`,
    options.reserved ?? DEFAULT_RESERVED_USERNAMES,
  );
  const staffList = checkStrings(
    `${fieldPrefix}staffWords`,
    options.staffWords ?? DEFAULT_STAFF_WORDS,
  );
  const staffWords = staffList.map(usernameSkeleton);
  if (staffWords.some((word) => word.length < 3)) {
    // A one- or two-letter word would refuse a large share of all names.
    throw new PasscodeError(
      "CONFIGURATION_ERROR",
      `${fieldPrefix}staffWords must each read as at least 3 letters`,
      { details: { field: `${fieldPrefix}staffWords` } },
    );
  }
  return Object.freeze({
    minLength,
    maxLength,
    reserved: new Set(reservedList.map((name) => normalizeUsername(name))),
    staffWords: Object.freeze(staffWords),
    isReserved: reservedUsernameMatcher(reservedList, staffList),
  });
}

function checkStrings(field: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== "string")) {
    throw new PasscodeError("CONFIGURATION_ERROR", `${field} must be a string array`, {
      details: { field },
    });
  }
  return value;
}

/**
 * The default policy: 3 to 30 characters, {@link DEFAULT_RESERVED_USERNAMES}
 * and {@link DEFAULT_STAFF_WORDS}, both compared on look-alike skeletons.
 */
export const DEFAULT_USERNAME_POLICY: UsernamePolicy = /* @__PURE__ */ resolveUsernamePolicy();

/**
 * The canonical form of a username: trimmed, NFKC-normalised, lower-cased.
 * Uniqueness and the stored `custom:username` use this form (`Alice_1` is
 * stored as `alice_1`). It does not validate; see {@link validateUsername}.
 */
export function normalizeUsername(input: string): string {
  return input.trim().normalize("NFKC").toLowerCase();
}

function isPolicy(value: UsernamePolicy | UsernamePolicyOptions): value is UsernamePolicy {
  return typeof (value as UsernamePolicy).isReserved === "function";
}

/**
 * Checks a username against the policy, on its normalised form: only `a-z`,
 * `0-9` and `_`, starting with a letter, within the length bounds, not
 * reserved. Non-ASCII letters are refused rather than transliterated, which
 * shuts out look-alike (homoglyph) names; ASCII look-alikes of reserved names
 * (`adrnin`, `supp0rt`) and names containing a staff word (`the_admin`) are
 * refused as `RESERVED` (see {@link usernameSkeleton}). The Verify trigger calls this with
 * its configured policy; the browser client calls {@link checkUsername}, the
 * function this one runs, with the bounds the service sent.
 *
 * @example
 * ```ts
 * validateUsername("Alice_1") // { ok: true, username: "alice_1" }
 * validateUsername("4lice")   // { ok: false, reason: "MUST_START_WITH_LETTER", ... }
 * ```
 */
export function validateUsername(
  input: unknown,
  policy: UsernamePolicy | UsernamePolicyOptions = DEFAULT_USERNAME_POLICY,
): UsernameValidation {
  const rules = isPolicy(policy) ? policy : resolveUsernamePolicy(policy);
  return checkUsername(input, rules.minLength, rules.maxLength, { has: rules.isReserved });
}

/**
 * The English text for each {@link UsernameRejection}; `{min}` and `{max}`
 * stand for the bounds. {@link checkUsername} and `errorMessage` use it.
 */
export const USERNAME_RULE_MESSAGES: Readonly<Record<UsernameRejection, string>> =
  /* @__PURE__ */ Object.freeze({
    EMPTY: "Choose a username.",
    TOO_SHORT: "Use at least {min} characters.",
    TOO_LONG: "Use at most {max} characters.",
    INVALID_CHARACTERS: "Use only letters a-z, digits and underscores.",
    MUST_START_WITH_LETTER: "Start with a letter.",
    RESERVED: "That username is reserved.",
  });

/** {@link USERNAME_RULE_MESSAGES}' text for `reason`, with the bounds filled in. */
export function usernameRuleMessage(
  reason: UsernameRejection,
  bounds: { readonly minLength: number; readonly maxLength: number },
): string {
  return USERNAME_RULE_MESSAGES[reason]
    .replace("{min}", String(bounds.minLength))
    .replace("{max}", String(bounds.maxLength));
}

/** The result of {@link classifyUsername}: the normalised name, or the rule it broke. */
export type UsernameVerdict =
  | { readonly ok: true; readonly username: string }
  | { readonly ok: false; readonly reason: UsernameRejection };

/**
 * The rule behind {@link checkUsername}, without its messages (the browser
 * client's bundle carries only the reason; `errorMessage` or
 * {@link usernameRuleMessage} turn it into English). The bounds are taken as
 * given, and only names `reserved.has` (normalised form) are refused as
 * reserved: a `Set` matches exactly, `{ has: policy.isReserved }` matches
 * look-alikes and staff words. The browser client calls it with the bounds
 * from the `USERNAME` challenge and no reserved list: the service's list may
 * not be the default one, so the service alone refuses reserved names (they
 * come back as `USERNAME_UNAVAILABLE`). Small on purpose: it is in every
 * browser bundle. Throws a `TypeError` unless the bounds are integers with
 * `1 <= minLength <= maxLength <= 256` (the range the challenge can carry).
 */
export function classifyUsername(
  input: unknown,
  minLength: number,
  maxLength: number,
  reserved?: ReservedUsernames,
): UsernameVerdict {
  if (
    !(Number.isInteger(minLength) && Number.isInteger(maxLength)) ||
    minLength < 1 ||
    maxLength < minLength ||
    maxLength > 256
  ) {
    // Fail closed: bounds that are not numbers would let any name through.
    throw new TypeError("checkUsername: bad bounds");
  }
  const no = (reason: UsernameRejection): UsernameVerdict => ({ ok: false, reason });
  if (typeof input !== "string" || !input.trim()) return no("EMPTY");
  // Bound the work NFKC does on hostile input before normalising.
  if (input.length > maxLength * 4 + 16) return no("TOO_LONG");
  const username = normalizeUsername(input);
  return /[^a-z0-9_]/.test(username)
    ? no("INVALID_CHARACTERS")
    : username.length < minLength
      ? no("TOO_SHORT")
      : username.length > maxLength
        ? no("TOO_LONG")
        : /^[^a-z]/.test(username)
          ? no("MUST_START_WITH_LETTER")
          : reserved?.has(username)
            ? no("RESERVED")
            : { ok: true, username };
}

/**
 * {@link classifyUsername} with an English message for a refused name, e.g.
 * `{ ok: false, reason: "TOO_SHORT", message: "Use at least 3 characters." }`.
 * Same bounds rules and `TypeError`.
 */
export function checkUsername(
  input: unknown,
  minLength: number,
  maxLength: number,
  reserved?: ReservedUsernames,
): UsernameValidation {
  const verdict = classifyUsername(input, minLength, maxLength, reserved);
  return verdict.ok
    ? { ok: true, username: verdict.username }
    : {
        ok: false,
        reason: verdict.reason,
        message: usernameRuleMessage(verdict.reason, { minLength, maxLength }),
      };
}
