import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@tace/common';

/**
 * The OpenAPI document in `openapi/` is the single source of the HTTP contract: route schemas
 * are taken from it (so validation and docs cannot drift) and tests check real responses
 * against it.
 */
export const OPENAPI_PATH = join(REPO_ROOT, 'openapi', 'tace-risk.openapi.json');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

let cached: JsonObject | undefined;
export function openApiDocument(): JsonObject {
  cached ??= JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as JsonObject;
  return cached;
}

function resolvePointer(doc: JsonObject, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref supported: ${ref}`);
  let cur: Json = doc;
  for (const part of ref.slice(2).split('/')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) throw new Error(`bad $ref ${ref}`);
    cur = (cur as JsonObject)[part];
  }
  return cur;
}

/** Inline every local $ref (the document has no cycles). */
export function deref(node: Json, doc: JsonObject = openApiDocument()): Json {
  if (Array.isArray(node)) return node.map((n) => deref(n, doc));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') return deref(resolvePointer(doc, node.$ref), doc);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = deref(v, doc);
  return out;
}

export interface Operation {
  method: string;
  path: string;
  op: JsonObject;
}

export function findOperation(operationId: string): Operation {
  const doc = openApiDocument();
  for (const [path, item] of Object.entries(doc.paths as JsonObject)) {
    for (const [method, op] of Object.entries(item as JsonObject)) {
      if ((op as JsonObject).operationId === operationId) return { method, path, op: deref(op, doc) as JsonObject };
    }
  }
  throw new Error(`operation ${operationId} is not in ${OPENAPI_PATH}`);
}

/** The schema of one response (status, content type) of an operation, or undefined. */
export function responseSchema(operationId: string, status: number, contentType: string): Json | undefined {
  const { op } = findOperation(operationId);
  const r = (op.responses as JsonObject)[String(status)] as JsonObject | undefined;
  const content = r?.content as JsonObject | undefined;
  return (content?.[contentType] as JsonObject | undefined)?.schema;
}

/**
 * Fastify route schema for an operation: body, params, querystring and headers from the
 * document. Responses are not given to Fastify's serializer (it would silently drop fields the
 * schema does not list); instead tests validate real responses against the document.
 */
export function routeSchema(operationId: string): Record<string, Json> {
  const { op } = findOperation(operationId);
  const schema: Record<string, Json> = { operationId, summary: op.summary ?? '' };
  const params = (op.parameters as JsonObject[] | undefined) ?? [];
  for (const [where, key] of [['path', 'params'], ['query', 'querystring'], ['header', 'headers']] as const) {
    const ps = params.filter((p) => p.in === where);
    if (ps.length === 0) continue;
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const p of ps) {
      const name = where === 'header' ? String(p.name).toLowerCase() : String(p.name);
      properties[name] = p.schema as Json;
      if (p.required) required.push(name);
    }
    schema[key] = { type: 'object', properties, required };
  }
  const body = op.requestBody as JsonObject | undefined;
  if (body) {
    const content = body.content as JsonObject;
    const first = Object.values(content)[0] as JsonObject;
    schema.body = first.schema as Json;
  }
  return schema;
}
