// Checks a CloudFormation / SAM template against the CloudFormation resource
// specification (@aws-cdk/cfnspec): resource types, property names, required
// properties and value types (intrinsic functions stand for any value), plus
// a reference check (every Ref, GetAtt and ${} in Sub names a parameter,
// pseudo parameter or resource, and GetAtt an attribute the type has).
import { createRequire } from "node:module";
import { type CollectionTag, parseDocument, type ScalarTag, YAMLMap, YAMLSeq } from "yaml";

const require = createRequire(import.meta.url);
const cfnspec = require("@aws-cdk/cfnspec") as {
  specification(): {
    ResourceTypes: Record<string, ResourceSpec>;
    PropertyTypes: Record<string, PropertyTypeSpec>;
  };
};

interface PropertySpec {
  Required?: boolean;
  PrimitiveType?: string;
  Type?: string;
  ItemType?: string;
  PrimitiveItemType?: string;
  PrimitiveTypes?: string[];
  Types?: string[];
  ItemTypes?: string[];
  PrimitiveItemTypes?: string[];
  InclusivePrimitiveItemTypes?: string[];
  InclusiveItemTypes?: string[];
}
interface ResourceSpec {
  Properties?: Record<string, PropertySpec>;
  Attributes?: Record<string, unknown>;
}
interface PropertyTypeSpec {
  Properties?: Record<string, PropertySpec>;
  PrimitiveType?: string;
  Type?: string;
  ItemType?: string;
  PrimitiveItemType?: string;
}

export const SPEC = cfnspec.specification();

const INTRINSICS = [
  "Ref",
  "Fn::GetAtt",
  "Fn::Sub",
  "Fn::Join",
  "Fn::If",
  "Fn::Select",
  "Fn::Split",
  "Fn::GetAZs",
  "Fn::ImportValue",
  "Fn::FindInMap",
  "Fn::Base64",
  "Fn::Cidr",
];
const PSEUDO = new Set([
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);

/** The YAML short forms (!Ref, !GetAtt, !Sub, ...) as their long JSON forms. */
function shortForms(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [];
  for (const name of [
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "If",
    "Select",
    "Split",
    "GetAZs",
    "ImportValue",
    "FindInMap",
    "Base64",
    "Cidr",
    "Equals",
    "Not",
    "And",
    "Or",
    "Condition",
  ]) {
    const key = name === "Ref" || name === "Condition" ? name : `Fn::${name}`;
    const wrap = (value: unknown) => ({
      [key]: name === "GetAtt" && typeof value === "string" ? value.split(".") : value,
    });
    tags.push({ tag: `!${name}`, resolve: (value: string) => wrap(value) } as ScalarTag);
    tags.push({
      tag: `!${name}`,
      collection: "seq",
      nodeClass: YAMLSeq,
      resolve: (seq: YAMLSeq) => wrap(seq.toJSON()),
    } as unknown as CollectionTag);
    tags.push({
      tag: `!${name}`,
      collection: "map",
      nodeClass: YAMLMap,
      resolve: (map: YAMLMap) => wrap(map.toJSON()),
    } as unknown as CollectionTag);
  }
  return tags;
}

/** Parses a CloudFormation YAML template (short-form intrinsics included) to its JSON form. */
export function parseTemplate(text: string): Template {
  const doc = parseDocument(text, { customTags: shortForms() });
  if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join("\n"));
  return doc.toJS() as Template;
}

export interface Template {
  Parameters?: Record<string, unknown>;
  Globals?: { Function?: Record<string, unknown> };
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }
  >;
  Outputs?: Record<string, unknown>;
}

function isIntrinsic(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && INTRINSICS.includes(keys[0]!);
}

function primitiveOk(type: string, value: unknown): boolean {
  if (isIntrinsic(value)) return true;
  switch (type) {
    case "String":
      return typeof value === "string";
    case "Integer":
    case "Long":
      return (
        (typeof value === "number" && Number.isInteger(value)) ||
        (typeof value === "string" && /^-?\d+$/.test(value))
      );
    case "Double":
      return (
        typeof value === "number" || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value))
      );
    case "Boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "Timestamp":
      return typeof value === "string";
    case "Json":
      return typeof value === "object" && value !== null;
    default:
      return false;
  }
}

/** Problems with `value` for a property described by `spec`, in `resourceType`. */
function checkValue(
  resourceType: string,
  spec: PropertySpec,
  value: unknown,
  path: string,
): string[] {
  if (isIntrinsic(value)) return [];
  const alternatives: (() => string[])[] = [];
  if (spec.PrimitiveType)
    alternatives.push(() =>
      primitiveOk(spec.PrimitiveType!, value) ? [] : [`${path}: not a ${spec.PrimitiveType}`],
    );
  for (const primitive of spec.PrimitiveTypes ?? []) {
    alternatives.push(() => (primitiveOk(primitive, value) ? [] : [`${path}: not a ${primitive}`]));
  }
  for (const type of spec.Types ?? [])
    alternatives.push(() => checkType(resourceType, type, value, path));
  const listLike =
    spec.Type === "List" ||
    spec.InclusiveItemTypes ||
    spec.InclusivePrimitiveItemTypes ||
    spec.ItemTypes ||
    spec.PrimitiveItemTypes;
  if (spec.Type === "List" || spec.Type === "Map" || (listLike && spec.Type === undefined)) {
    const kind = spec.Type ?? "List";
    alternatives.push(() => {
      if (kind === "List" && !Array.isArray(value)) return [`${path}: not a list`];
      if (kind === "Map" && (typeof value !== "object" || value === null || Array.isArray(value)))
        return [`${path}: not a map`];
      const items = Object.entries(value as Record<string, unknown>);
      const itemSpecs: PropertySpec[] = [
        ...(spec.PrimitiveItemType ? [{ PrimitiveType: spec.PrimitiveItemType }] : []),
        ...(spec.ItemType ? [{ Type: spec.ItemType }] : []),
        ...[...(spec.PrimitiveItemTypes ?? []), ...(spec.InclusivePrimitiveItemTypes ?? [])].map(
          (t) => ({ PrimitiveType: t }),
        ),
        ...[...(spec.ItemTypes ?? []), ...(spec.InclusiveItemTypes ?? [])].map((t) => ({
          Type: t,
        })),
      ];
      return items.flatMap(([key, item]) => {
        const results = itemSpecs.map((itemSpec) =>
          checkValue(resourceType, itemSpec, item, `${path}.${key}`),
        );
        return results.find((r) => r.length === 0) ?? results[0] ?? [];
      });
    });
  } else if (spec.Type) {
    alternatives.push(() => checkType(resourceType, spec.Type!, value, path));
  }
  if (alternatives.length === 0) return [`${path}: the specification gives no type`];
  const results = alternatives.map((check) => check());
  return results.find((r) => r.length === 0) ?? results[0]!;
}

/** Problems with `value` as property type `type` (`Tag`, or `<ResourceType>.<Name>`). */
function checkType(resourceType: string, type: string, value: unknown, path: string): string[] {
  const typeSpec = SPEC.PropertyTypes[`${resourceType}.${type}`] ?? SPEC.PropertyTypes[type];
  if (!typeSpec) return [`${path}: unknown property type ${type}`];
  if (!typeSpec.Properties) return checkValue(resourceType, typeSpec as PropertySpec, value, path);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return [`${path}: not a ${type} object`];
  return checkProperties(resourceType, typeSpec.Properties, value as Record<string, unknown>, path);
}

function checkProperties(
  resourceType: string,
  specs: Record<string, PropertySpec>,
  values: Record<string, unknown>,
  path: string,
): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.Required && !(name in values)) problems.push(`${path}.${name}: required`);
  }
  for (const [name, value] of Object.entries(values)) {
    const spec = specs[name];
    if (!spec) problems.push(`${path}.${name}: no such property`);
    else problems.push(...checkValue(resourceType, spec, value, `${path}.${name}`));
  }
  return problems;
}

const RESOURCE_KEYS = new Set([
  "Type",
  "Properties",
  "DependsOn",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "Condition",
  "Metadata",
]);

/** Every problem the specification finds in `template` (SAM's Globals.Function merged into each function). */
export function specProblems(template: Template): string[] {
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const spec = SPEC.ResourceTypes[resource.Type];
    if (!spec) {
      problems.push(`${id}: unknown resource type ${resource.Type}`);
      continue;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) problems.push(`${id}: unknown resource attribute ${key}`);
    }
    const globals =
      resource.Type === "AWS::Serverless::Function" ? (template.Globals?.Function ?? {}) : {};
    const properties = { ...globals, ...resource.Properties };
    problems.push(...checkProperties(resource.Type, spec.Properties ?? {}, properties, id));
  }
  return problems;
}

/** Attributes a GetAtt may read (SAM functions become AWS::Lambda::Function). */
function attributesOf(type: string): Set<string> {
  const real = type === "AWS::Serverless::Function" ? "AWS::Lambda::Function" : type;
  return new Set(Object.keys(SPEC.ResourceTypes[real]?.Attributes ?? {}));
}

/** Every Ref, GetAtt or ${} in Sub that names nothing in `template`, or an attribute its type lacks. */
export function referenceProblems(template: Template): string[] {
  const resources = template.Resources ?? {};
  // SAM makes <Function>Role for a function without Role; none here relies on it.
  const names = new Set([...Object.keys(template.Parameters ?? {}), ...Object.keys(resources)]);
  const problems: string[] = [];
  const refName = (name: string, at: string) => {
    if (!names.has(name) && !PSEUDO.has(name)) problems.push(`${at}: Ref ${name} names nothing`);
  };
  const getAtt = (resource: string, attribute: string, at: string) => {
    const target = resources[resource];
    if (!target) problems.push(`${at}: GetAtt ${resource}.${attribute} names no resource`);
    else if (!attributesOf(target.Type).has(attribute)) {
      problems.push(`${at}: ${target.Type} has no attribute ${attribute}`);
    }
  };
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, `${at}[${i}]`);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    if (typeof record.Ref === "string") refName(record.Ref, at);
    const att = record["Fn::GetAtt"];
    if (Array.isArray(att)) getAtt(String(att[0]), att.slice(1).join("."), at);
    const sub = record["Fn::Sub"];
    if (sub !== undefined) {
      const [text, vars] =
        typeof sub === "string" ? [sub, {}] : (sub as [string, Record<string, unknown>]);
      for (const match of text.matchAll(/\$\{([^}!]+)\}/g)) {
        const name = match[1]!;
        if (name in vars) continue;
        const dot = name.indexOf(".");
        if (dot > 0 && !PSEUDO.has(name)) getAtt(name.slice(0, dot), name.slice(dot + 1), at);
        else refName(name, at);
      }
    }
    for (const [key, value] of Object.entries(record)) walk(value, `${at}.${key}`);
  };
  walk(template.Globals ?? {}, "Globals");
  walk(resources, "Resources");
  walk(template.Outputs ?? {}, "Outputs");
  return problems;
}
