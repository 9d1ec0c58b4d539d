import { COGNITO_MODEL, type ModelShape } from "../../src/cognito-model.gen.js";
import { SIGNED_OPERATIONS } from "../../src/http-server.js";
import type { LocalStack } from "../../src/index.js";
import { PASSWORD } from "./clients.js";
import { signedHeaders } from "./sign.js";

/**
 * Request cases generated from the recorded service model
 * (src/cognito-model.gen.ts): for every operation, every member of its
 * input (nested structures and list elements included) and every constraint
 * the model puts on it, one request that breaks exactly that constraint,
 * with the answer Cognito gives. The expected messages are built here from
 * Cognito's published format, not by the stack's validator.
 */

/** The values a valid request is built from: ids and tokens of a live stack. */
export interface CaseContext {
  clientId: string;
  userPoolId: string;
  username: string;
  accessToken: string;
  refreshToken: string;
}

/** What a case expects back. */
export type Expected =
  | { type: "InvalidParameterException"; message: string }
  /** `message` only where Cognito's text was observed publicly. */
  | { type: "SerializationException"; message?: string };

/** One generated request. */
export interface ModelCase {
  operation: string;
  name: string;
  input: (ctx: CaseContext) => Record<string, unknown>;
  expected: Expected;
}

const model = COGNITO_MODEL;
const shape = (name: string): ModelShape => {
  const found = model.shapes[name];
  if (!found) throw new Error(`no shape ${name}`);
  return found;
};
const lowerFirst = (s: string) => s[0]!.toLowerCase() + s.slice(1);

/** A JavaScript reading of a model pattern, for picking test values (Java's `\S` is ASCII). */
function matches(pattern: string, value: string): boolean {
  const js = pattern.replace(/\\S/g, "^ \\t\\n\\x0B\\f\\r");
  return new RegExp(`^(?:${js})$`, "u").test(value);
}

/** A value of exactly `length` characters that meets `s`'s pattern. */
function validString(s: ModelShape, length: number): string {
  const candidates = [
    "a".repeat(length),
    `${"a".repeat(Math.max(0, length - 2))}_1`,
    `${"a".repeat(Math.max(0, length - 2))}_a`,
  ];
  for (const candidate of candidates) {
    if (candidate.length !== length) continue;
    if (!s.pattern || matches(s.pattern, candidate)) return candidate;
  }
  throw new Error(`no valid value of length ${length} for ${s.pattern}`);
}

/** A character that breaks `pattern` wherever it stands. */
function badCharacter(pattern: string): string {
  for (const c of [" ", "\u0000", "\u0007", "!"]) {
    if (!matches(pattern, `a${c}a`) && !matches(pattern, `a_1${c}`) && !matches(pattern, c)) {
      return c;
    }
  }
  throw new Error(`no character breaks ${pattern}`);
}

/** A valid value for a member, by its shape (the live ids and tokens where they matter). */
function validValue(
  operation: string,
  member: string,
  shapeName: string,
  ctx: CaseContext,
): unknown {
  switch (shapeName) {
    case "ClientIdType":
      return ctx.clientId;
    case "UserPoolIdType":
      return ctx.userPoolId;
    case "UsernameType":
      return ctx.username;
    case "PasswordType":
      return PASSWORD;
    case "TokenModelType":
      return member === "RefreshToken" || (operation === "RevokeToken" && member === "Token")
        ? ctx.refreshToken
        : ctx.accessToken;
    case "AuthFlowType":
      return "CUSTOM_AUTH";
    case "ChallengeNameType":
      return "CUSTOM_CHALLENGE";
    case "AttributeNameType":
      return "email";
    case "AttributeListType":
      return [{ Name: "name", Value: "Model Case" }];
    case "ConfirmationCodeType":
      return "123456";
    case "SessionType":
      return "s".repeat(40);
  }
  const s = shape(shapeName);
  if (s.enum) return s.enum[0];
  if (s.type === "string") return validString(s, Math.max(s.min ?? 1, 1));
  if (s.type === "integer" || s.type === "long") return s.min ?? 1;
  if (s.type === "boolean") return true;
  if (s.type === "list") return [];
  return {};
}

/** The required members of `operation`'s input, valid. */
export function baseline(operation: string, ctx: CaseContext): Record<string, unknown> {
  const input = shape(model.operations[operation]!.input);
  const out: Record<string, unknown> = {};
  for (const member of input.required ?? []) {
    out[member] = validValue(operation, member, input.members![member]!, ctx);
  }
  return out;
}

/** One line of Cognito's validation message. */
export function violation(path: string, constraint: string, value: unknown, sensitive: boolean) {
  const shown =
    value === null || value === undefined
      ? "null"
      : sensitive
        ? ""
        : `'${Array.isArray(value) ? `[${value.join(", ")}]` : String(value)}'`;
  return `Value${shown ? ` ${shown}` : ""} at '${path}' failed to satisfy constraint: ${constraint}`;
}

/** Cognito's whole message for `lines`. */
export function validationMessage(lines: readonly string[]): string {
  return `${lines.length} validation error${lines.length === 1 ? "" : "s"} detected: ${lines.join("; ")}`;
}

const notNull = "Member must not be null";
const minLength = (n: number) => `Member must have length greater than or equal to ${n}`;
const maxLength = (n: number) => `Member must have length less than or equal to ${n}`;
const patternRule = (p: string) => `Member must satisfy regular expression pattern: ${p}`;
const enumRule = (values: readonly string[]) =>
  `Member must satisfy enum value set: [${values.join(", ")}]`;

/** Where a case puts its value: a path of member names and list indexes into the request. */
type Slot = (string | number)[];

function place(base: Record<string, unknown>, slot: Slot, value: unknown): Record<string, unknown> {
  const out = structuredClone(base);
  let at: Record<string | number, unknown> = out;
  for (let i = 0; i < slot.length - 1; i++) {
    const key = slot[i]!;
    const next = slot[i + 1]!;
    at[key] ??= typeof next === "number" ? [] : {};
    at = at[key] as Record<string | number, unknown>;
  }
  const last = slot.at(-1)!;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return out;
}

/** Cognito's path for a slot: lower-first member names, 1-based `N.member` for list elements. */
function pathOf(slot: Slot): string {
  const parts: string[] = [];
  for (const key of slot) {
    if (typeof key === "number") parts.push(`${key + 1}`, "member");
    else parts.push(lowerFirst(key));
  }
  return parts.join(".");
}

interface Walk {
  operation: string;
  cases: ModelCase[];
}

/** The wrong-JSON-type values for a shape, with Cognito's message where it was observed. */
function wrongTypes(s: ModelShape): { label: string; value: unknown; message?: string }[] {
  switch (s.type) {
    case "string":
      return [
        {
          label: "a number",
          value: 5,
          message:
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String",
        },
        {
          label: "an object",
          value: { a: "b" },
          message: "Start of structure or map found where not expected.",
        },
        { label: "a list", value: ["x"] },
        { label: "a boolean", value: true },
      ];
    case "integer":
    case "long":
      return [
        { label: "a string", value: "5" },
        { label: "a boolean", value: false },
        { label: "an object", value: {} },
      ];
    case "boolean":
      return [
        { label: "a string", value: "true" },
        { label: "a number", value: 1 },
      ];
    case "list":
      return [
        { label: "a string", value: "x", message: "Unexpected field type" },
        { label: "an object", value: { a: "b" } },
      ];
    case "map":
    case "structure":
      return [
        { label: "a string", value: "x" },
        { label: "a list", value: ["x"] },
      ];
    default:
      return [];
  }
}

function memberCases(
  walk: Walk,
  base: (ctx: CaseContext) => Record<string, unknown>,
  slot: Slot,
  shapeName: string,
  required: boolean,
  sensitive: boolean,
): void {
  const { operation, cases } = walk;
  const s = shape(shapeName);
  const hidden = sensitive || s.sensitive === true;
  const path = pathOf(slot);
  const label = slot.map((k) => (typeof k === "number" ? `[${k}]` : k)).join(".");
  const add = (name: string, value: unknown, expected: Expected) =>
    cases.push({
      operation,
      name: `${label}: ${name}`,
      input: (ctx) => place(base(ctx), slot, value),
      expected,
    });
  const invalid = (name: string, value: unknown, rules: string[]) =>
    add(name, value, {
      type: "InvalidParameterException",
      message: validationMessage(rules.map((rule) => violation(path, rule, value, hidden))),
    });

  if (required) {
    add("required, left out", undefined, {
      type: "InvalidParameterException",
      message: validationMessage([violation(path, notNull, null, false)]),
    });
  }
  for (const wrong of wrongTypes(s)) {
    add(`${wrong.label} for a ${s.type}`, wrong.value, {
      type: "SerializationException",
      ...(wrong.message ? { message: wrong.message } : {}),
    });
  }
  if (s.type === "string") {
    if (s.enum) invalid("not in the enum", "NOT_A_MODEL_VALUE", [enumRule(s.enum)]);
    if (s.min !== undefined && s.min > 0) {
      const value = s.min === 1 ? "" : validString(s, s.min - 1);
      const rules = [minLength(s.min)];
      if (s.pattern && !matches(s.pattern, value)) rules.push(patternRule(s.pattern));
      invalid(`shorter than ${s.min}`, value, rules);
    }
    if (s.max !== undefined && s.max < 100_000) {
      invalid(`longer than ${s.max}`, validString(s, s.max + 1), [maxLength(s.max)]);
    }
    if (s.pattern) {
      const length = Math.min(Math.max(s.min ?? 1, 4), s.max ?? 4);
      const good = validString(s, length);
      const value = `${good.slice(0, 1)}${badCharacter(s.pattern)}${good.slice(2)}`;
      invalid("breaks the pattern", value, [patternRule(s.pattern)]);
    }
  } else if (s.type === "integer" || s.type === "long") {
    if (s.min !== undefined) {
      invalid(`below ${s.min}`, s.min - 1, [
        `Member must have value greater than or equal to ${s.min}`,
      ]);
    }
    if (s.max !== undefined) {
      invalid(`above ${s.max}`, s.max + 1, [
        `Member must have value less than or equal to ${s.max}`,
      ]);
    }
  } else if (s.type === "structure") {
    structureCases(walk, base, slot, shapeName, hidden);
  } else if (s.type === "list") {
    const element = shape(s.member!);
    if (element.type === "structure") {
      // The element under test is the second, after a valid one: the index shows in the path.
      const first = validElement(s.member!);
      const withFirst = (ctx: CaseContext) => place(base(ctx), [...slot, 0], first);
      structureCases(walk, withFirst, [...slot, 1], s.member!, hidden, first);
    } else {
      const good = element.enum ? element.enum[0]! : validString(element, 4);
      const bad = element.enum ? "NOT_A_MODEL_VALUE" : "";
      const rules: string[] = [];
      if (element.max !== undefined) rules.push(maxLength(element.max));
      if (element.min !== undefined && element.min > 0) rules.push(minLength(element.min));
      if (element.pattern) rules.push(patternRule(element.pattern));
      if (element.enum) rules.push(enumRule(element.enum));
      invalid(
        "an element breaks its constraints",
        [good, bad],
        [`Member must satisfy constraint: [${rules.join(", ")}]`],
      );
      for (const wrong of wrongTypes(element).slice(0, 1)) {
        add(`an element is ${wrong.label}`, [good, wrong.value], {
          type: "SerializationException",
          ...(wrong.message ? { message: wrong.message } : {}),
        });
      }
    }
  } else if (s.type === "map") {
    const value = shape(s.value!);
    for (const wrong of wrongTypes(value).slice(0, 2)) {
      add(
        `a value is ${wrong.label}`,
        { KEY: wrong.value },
        {
          type: "SerializationException",
          ...(wrong.message ? { message: wrong.message } : {}),
        },
      );
    }
  }
}

function validElement(shapeName: string): Record<string, unknown> {
  const s = shape(shapeName);
  const out: Record<string, unknown> = {};
  for (const member of Object.keys(s.members ?? {})) {
    const m = shape(s.members![member]!);
    out[member] = m.type === "string" ? (member === "Name" ? "name" : validString(m, 4)) : true;
  }
  return out;
}

function structureCases(
  walk: Walk,
  base: (ctx: CaseContext) => Record<string, unknown>,
  slot: Slot,
  shapeName: string,
  sensitive: boolean,
  valid?: Record<string, unknown>,
): void {
  const s = shape(shapeName);
  const withValid = valid ? (ctx: CaseContext) => place(base(ctx), slot, valid) : base;
  for (const [member, child] of Object.entries(s.members ?? {})) {
    memberCases(
      walk,
      withValid,
      [...slot, member],
      child,
      s.required?.includes(member) ?? false,
      sensitive,
    );
  }
}

/** Every generated case of `operation`. */
export function casesFor(operation: string): ModelCase[] {
  const op = model.operations[operation]!;
  const input = shape(op.input);
  const walk: Walk = { operation, cases: [] };
  const base = (ctx: CaseContext) => baseline(operation, ctx);
  for (const [member, child] of Object.entries(input.members ?? {})) {
    memberCases(walk, base, [member], child, input.required?.includes(member) ?? false, false);
  }
  // All at once: every required member left out, listed together in path order.
  const required = input.required ?? [];
  if (required.length > 1) {
    const paths = required.map(lowerFirst).sort();
    walk.cases.push({
      operation,
      name: `every required member left out (${required.length} errors in one message)`,
      input: () => ({}),
      expected: {
        type: "InvalidParameterException",
        message: validationMessage(paths.map((p) => violation(p, notNull, null, false))),
      },
    });
  }
  return walk.cases;
}

/** Errors any operation can answer whatever its model list: the protocol's and the signature's. */
export function commonErrors(operation: string): string[] {
  const common = ["SerializationException"];
  if (SIGNED_OPERATIONS.has(operation)) {
    common.push(
      "MissingAuthenticationTokenException",
      "IncompleteSignatureException",
      "InvalidSignatureException",
      "UnrecognizedClientException",
    );
  }
  return common;
}

/** A raw call to `operation` with `body`, signed with the stack's credentials when the operation needs it. */
export async function rawCall(
  stack: LocalStack,
  operation: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(stack.endpoint);
  const payload = Buffer.from(JSON.stringify(body));
  let headers: Record<string, string> = {
    host: url.host,
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
  };
  if (SIGNED_OPERATIONS.has(operation)) {
    headers = await signedHeaders(stack.endpoint, operation, payload, {
      credentials: stack.credentials,
      region: stack.region,
    });
  }
  const { host: _host, ...sent } = headers;
  const response = await fetch(`${stack.endpoint}/`, {
    method: "POST",
    headers: sent,
    body: payload,
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
