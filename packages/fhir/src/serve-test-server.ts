/**
 * The HTTP FHIR test server (Medplum FhirRouter + MemoryRepository) as a process of its own, so a
 * test or a drill can stall it (SIGSTOP) or kill it like a real EHR endpoint. Prints one JSON
 * line {baseUrl, rootUrl} on stdout when it listens; stops on SIGTERM.
 *   node packages/fhir/src/serve-test-server.ts [port]
 */
import { startFhirServer } from './server.ts';

const server = await startFhirServer({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
process.stdout.write(`${JSON.stringify({ baseUrl: server.baseUrl, rootUrl: server.rootUrl })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
