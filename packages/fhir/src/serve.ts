/**
 * Runs the FHIR test server as its own process (demo, manual tries, tests that need it out of
 * process): `node packages/fhir/src/serve.ts [--port 8103] [--host 127.0.0.1]`.
 * Prints one JSON line `{"baseUrl": …}` on stdout when ready; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startFhirServer } from './server.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
const server = await startFhirServer({ port: Number.parseInt(values.port, 10), host: values.host });
process.stdout.write(JSON.stringify({ baseUrl: server.baseUrl }) + '\n');
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
