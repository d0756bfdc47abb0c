import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { responseSchema } from './openapi.ts';

const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
(addFormats as unknown as (a: unknown) => void)(ajv);

/** Compiled validators by operation, status and content type (each schema is compiled once). */
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/**
 * Check a real HTTP response against the OpenAPI document. Returns a list of problems (empty
 * when the response conforms): an undocumented status or content type is a problem too.
 */
export function checkResponse(operationId: string, status: number, contentType: string | null, body: unknown): string[] {
  const ct = (contentType ?? '').split(';')[0]!.trim();
  const key = `${operationId} ${status} ${ct}`;
  let validate = compiled.get(key);
  if (!validate) {
    const schema = responseSchema(operationId, status, ct);
    if (schema === undefined) return [`${operationId}: status ${status} with content type '${ct}' is not documented`];
    validate = ajv.compile(schema as object);
    compiled.set(key, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${operationId} ${status}: ${e.instancePath || '/'} ${e.message}`);
}
