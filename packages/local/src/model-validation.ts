import { CognitoError } from "./cognito-error.js";
import { COGNITO_MODEL, type CognitoModel, type ModelShape } from "./cognito-model.gen.js";

/**
 * Cognito's front end (AWS's Coral framework) checks every request against the
 * service model before the operation runs. Two steps, as Cognito does them:
 *
 * 1. Deserialising: a JSON value of the wrong type for its shape (a number
 *    for `ClientId`, a list for `AuthParameters`, `"5"` for `Limit`) is a
 *    `SerializationException`, at the first one found.
 * 2. Validating: every `required`, length (`min`/`max`), range, `pattern`
 *    and `enum` constraint; all failures together in one
 *    `InvalidParameterException`, `N validation errors detected: ...`, each
 *    naming the value (unless the shape is sensitive), the member path with
 *    1-based list indexes (`userAttributes.1.member.name`) and the
 *    constraint. At most ten are listed.
 *
 * Unknown members are ignored and `null` is the same as absent, as in Coral.
 */

/** The exception name of a wrong JSON type (the HTTP layer sends Coral's qualified `__type`). */
export const SERIALIZATION_EXCEPTION = "SerializationException";

/** Cognito lists at most this many validation errors in one message (as DynamoDB's Coral front does). */
const MAX_LISTED = 10;

const patterns = new Map<string, RegExp>();

/**
 * A model pattern (Java regex syntax, matched against the whole value) as a
 * JavaScript RegExp. Java's `\s` and `\S` are ASCII-only; JavaScript's are
 * not, so they are spelled out.
 */
export function modelPattern(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    const js = pattern.replace(/\\S/g, "^ \\t\\n\\x0B\\f\\r").replace(/\\s/g, " \\t\\n\\x0B\\f\\r");
    // `\S` only ever appears inside a character class in the model (`[\S]+`).
    re = new RegExp(`^(?:${js})$`, "u");
    patterns.set(pattern, re);
  }
  return re;
}

/** What a JSON value is, in the words the checks below use. */
function jsonKind(value: unknown): "string" | "number" | "boolean" | "list" | "object" {
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "object";
  return typeof value as "string" | "number" | "boolean";
}

const JAVA_TYPE: Record<string, string> = {
  string: "String",
  integer: "Integer",
  long: "Long",
  boolean: "Boolean",
};

/**
 * The `SerializationException` message Coral gives for `value` where `shape`
 * was expected, or undefined when the JSON type fits. Observed from Cognito:
 * "Start of structure or map found where not expected." (an object for a
 * string), "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can
 * not be converted to an String" (a number for a string), "Unexpected field
 * type" (a string for a list). The others follow the same framework's wording
 * (guessed).
 */
function serializationMessage(shape: ModelShape, value: unknown): string | undefined {
  const kind = jsonKind(value);
  const startOfMap = "Start of structure or map found where not expected.";
  switch (shape.type) {
    case "string":
    case "integer":
    case "long":
    case "boolean": {
      const java = JAVA_TYPE[shape.type]!;
      const fits =
        (shape.type === "string" && kind === "string") ||
        (shape.type === "boolean" && kind === "boolean") ||
        ((shape.type === "integer" || shape.type === "long") && kind === "number");
      if (fits) return undefined;
      if (kind === "object") return startOfMap;
      if (kind === "list") return `Unrecognized collection type class java.lang.${java}`;
      if (kind === "number") {
        return `class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an ${java}`;
      }
      return `class java.lang.${kind === "string" ? "String" : "Boolean"} can not be converted to an ${java}`;
    }
    case "list":
      if (kind === "list") return undefined;
      return kind === "object" ? startOfMap : "Unexpected field type";
    case "map":
    case "structure":
      if (kind === "object") return undefined;
      return kind === "list" ? "Start of list found where not expected" : "Unexpected field type";
    default:
      // timestamp and blob never appear in the inputs the stack serves.
      return undefined;
  }
}

/** The shape name of a structure's member `name`, if the structure has it (own keys only). */
function memberShape(shape: ModelShape, name: string): string | undefined {
  return shape.members !== undefined && Object.hasOwn(shape.members, name)
    ? shape.members[name]
    : undefined;
}

function shapeOf(model: CognitoModel, name: string): ModelShape {
  const shape = Object.hasOwn(model.shapes, name) ? model.shapes[name] : undefined;
  if (!shape) throw new Error(`shape ${name} is not in the recorded model`);
  return shape;
}

/**
 * Step 1: the first value whose JSON type does not fit its shape, as Coral's
 * deserialiser meets them (members in the order sent), or undefined.
 */
export function findSerializationError(
  model: CognitoModel,
  shapeName: string,
  value: unknown,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  const shape = shapeOf(model, shapeName);
  const own = serializationMessage(shape, value);
  if (own !== undefined) return own;
  if (shape.type === "structure") {
    for (const [member, item] of Object.entries(value as Record<string, unknown>)) {
      // Own members only: `constructor` or `__proto__` must not find Object's.
      const child = memberShape(shape, member);
      if (child === undefined) continue;
      const found = findSerializationError(model, child, item);
      if (found !== undefined) return found;
    }
  } else if (shape.type === "list") {
    for (const item of value as unknown[]) {
      const found = findSerializationError(model, shape.member!, item);
      if (found !== undefined) return found;
    }
  } else if (shape.type === "map") {
    for (const item of Object.values(value as Record<string, unknown>)) {
      const found = findSerializationError(model, shape.value!, item);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** How Coral shows a value in a validation message (Java's `toString`). */
function shown(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(shown).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${shown(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

/** The constraints a simple (string or number) value of `shape` breaks, as Coral words them. */
function simpleViolations(shape: ModelShape, value: unknown): string[] {
  const out: string[] = [];
  if (shape.type === "string" && typeof value === "string") {
    if (shape.min !== undefined && value.length < shape.min) {
      out.push(`Member must have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && value.length > shape.max) {
      out.push(`Member must have length less than or equal to ${shape.max}`);
    }
    if (shape.pattern !== undefined && !modelPattern(shape.pattern).test(value)) {
      out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
    }
    if (shape.enum !== undefined && !shape.enum.includes(value)) {
      out.push(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
    }
  } else if ((shape.type === "integer" || shape.type === "long") && typeof value === "number") {
    const n = Math.trunc(value);
    if (shape.min !== undefined && n < shape.min) {
      out.push(`Member must have value greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && n > shape.max) {
      out.push(`Member must have value less than or equal to ${shape.max}`);
    }
  }
  return out;
}

/** Every constraint of a simple shape, for the "Member must satisfy constraint: [...]" forms. */
function allConstraints(shape: ModelShape): string[] {
  const out: string[] = [];
  if (shape.max !== undefined)
    out.push(`Member must have length less than or equal to ${shape.max}`);
  if (shape.min !== undefined && shape.min > 0) {
    out.push(`Member must have length greater than or equal to ${shape.min}`);
  }
  if (shape.pattern !== undefined) {
    out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  }
  if (shape.enum !== undefined)
    out.push(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
  return out;
}

const lowerFirst = (name: string) => name[0]!.toLowerCase() + name.slice(1);

/**
 * Step 2: every constraint failure under `value`, as Coral words them, in
 * member-name order (the order one observed Cognito message shows).
 */
export function validationErrors(
  model: CognitoModel,
  shapeName: string,
  value: unknown,
  path = "",
  sensitive = false,
): string[] {
  const shape = shapeOf(model, shapeName);
  const hidden = sensitive || shape.sensitive === true;
  const at = (constraint: string, item: unknown = value) => {
    const v = item === null || item === undefined ? "null" : hidden ? "" : `'${shown(item)}'`;
    return `Value${v ? ` ${v}` : ""} at '${path}' failed to satisfy constraint: ${constraint}`;
  };
  if (value === null || value === undefined) return [];
  if (shape.type === "structure") {
    const out: string[] = [];
    const input = value as Record<string, unknown>;
    const members = Object.keys(shape.members ?? {}).sort((a, b) =>
      lowerFirst(a) < lowerFirst(b) ? -1 : lowerFirst(a) > lowerFirst(b) ? 1 : 0,
    );
    for (const member of members) {
      const child = shape.members![member]!;
      const childPath = path ? `${path}.${lowerFirst(member)}` : lowerFirst(member);
      const item = input[member];
      if (item === null || item === undefined) {
        if (shape.required?.includes(member)) {
          out.push(
            `Value null at '${childPath}' failed to satisfy constraint: Member must not be null`,
          );
        }
        continue;
      }
      out.push(...validationErrors(model, child, item, childPath, hidden));
    }
    return out;
  }
  if (shape.type === "list") {
    const items = value as unknown[];
    const out: string[] = [];
    if (shape.min !== undefined && items.length < shape.min) {
      out.push(at(`Member must have length greater than or equal to ${shape.min}`));
    }
    if (shape.max !== undefined && items.length > shape.max) {
      out.push(at(`Member must have length less than or equal to ${shape.max}`));
    }
    const element = shapeOf(model, shape.member!);
    if (element.type === "structure") {
      items.forEach((item, i) => {
        const itemPath = `${path}.${i + 1}.member`;
        if (item === null || item === undefined) {
          out.push(
            `Value null at '${itemPath}' failed to satisfy constraint: Member must not be null`,
          );
        } else {
          out.push(...validationErrors(model, shape.member!, item, itemPath, hidden));
        }
      });
    } else if (items.some((item) => item === null || simpleViolations(element, item).length > 0)) {
      out.push(at(`Member must satisfy constraint: [${allConstraints(element).join(", ")}]`));
    }
    return out;
  }
  if (shape.type === "map") {
    const entries = Object.entries(value as Record<string, unknown>);
    const out: string[] = [];
    const keyShape = shapeOf(model, shape.key!);
    const valueShape = shapeOf(model, shape.value!);
    if (entries.some(([key]) => simpleViolations(keyShape, key).length > 0)) {
      out.push(at(`Map keys must satisfy constraint: [${allConstraints(keyShape).join(", ")}]`));
    }
    if (entries.some(([, item]) => simpleViolations(valueShape, item).length > 0)) {
      out.push(at(`Map value must satisfy constraint: [${allConstraints(valueShape).join(", ")}]`));
    }
    return out;
  }
  return simpleViolations(shape, value).map((constraint) => at(constraint));
}

/** Cognito's message for `errors`: `1 validation error detected: ...` or `N validation errors detected: ...; ...`. */
export function validationMessage(errors: readonly string[]): string {
  const listed = errors.slice(0, MAX_LISTED);
  return `${listed.length} validation error${listed.length === 1 ? "" : "s"} detected: ${listed.join("; ")}`;
}

/**
 * Checks `input` against `operation`'s input shape in the recorded model, as
 * Cognito does before any lookup: throws `SerializationException` for a wrong
 * JSON type, else `InvalidParameterException` listing every constraint that
 * fails. Operations the model does not know pass unchecked.
 */
export function validateInput(
  operation: string,
  input: Record<string, unknown>,
  model: CognitoModel = COGNITO_MODEL,
): void {
  const op = Object.hasOwn(model.operations, operation) ? model.operations[operation] : undefined;
  if (!op) return;
  const wrongType = findSerializationError(model, op.input, input);
  if (wrongType !== undefined) throw new CognitoError(SERIALIZATION_EXCEPTION, wrongType);
  const errors = validationErrors(model, op.input, input);
  if (errors.length > 0) {
    throw new CognitoError("InvalidParameterException", validationMessage(errors));
  }
}

/**
 * Where `output` breaks `operation`'s output shape (a wrong JSON type, a
 * missing required member, a failed constraint, a member the shape does not
 * have): one line per problem, none when it conforms. For tests of the stack.
 */
export function outputProblems(
  operation: string,
  output: unknown,
  model: CognitoModel = COGNITO_MODEL,
): string[] {
  const op = Object.hasOwn(model.operations, operation) ? model.operations[operation] : undefined;
  if (!op) return [`${operation} is not in the recorded model`];
  if (!op.output) return [];
  const problems: string[] = [];
  const walk = (shapeName: string, value: unknown, path: string) => {
    const shape = shapeOf(model, shapeName);
    const wrong =
      shape.type === "timestamp"
        ? typeof value === "number"
          ? undefined
          : "not epoch seconds"
        : serializationMessage(shape, value);
    if (wrong !== undefined) {
      problems.push(`${path || "(output)"}: ${shape.type} expected, got ${jsonKind(value)}`);
      return;
    }
    if (shape.type === "structure") {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (memberShape(shape, key) === undefined)
          problems.push(`${path ? `${path}.` : ""}${key}: not in ${shapeName}`);
      }
      for (const [member, child] of Object.entries(shape.members ?? {})) {
        const item = record[member];
        const childPath = path ? `${path}.${member}` : member;
        if (item === undefined || item === null) {
          if (shape.required?.includes(member)) problems.push(`${childPath}: required, missing`);
          continue;
        }
        walk(child, item, childPath);
      }
    } else if (shape.type === "list") {
      for (const [i, item] of (value as unknown[]).entries()) {
        walk(shape.member!, item, `${path}[${i}]`);
      }
    } else if (shape.type === "map") {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        walk(shape.value!, item, `${path}.${key}`);
      }
    } else {
      for (const constraint of simpleViolations(shape, value)) {
        problems.push(`${path}: ${constraint}`);
      }
    }
  };
  walk(op.output, output, "");
  return problems;
}
