import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@tace/common';

export interface FhirProcess {
  baseUrl: string;
  /** SIGSTOP: the server keeps its sockets and answers nothing (a hung EHR endpoint). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** The HTTP FHIR test server in a child process (packages/fhir/src/serve-test-server.ts). */
export async function startFhirProcess(): Promise<FhirProcess> {
  const p: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'packages', 'fhir', 'src', 'serve-test-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { baseUrl: string }).baseUrl);
    });
    p.once('exit', (code) => reject(new Error(`FHIR server process exited (${code})`)));
    setTimeout(() => reject(new Error('FHIR server process did not start in 30 s')), 30_000).unref();
  });
  return {
    baseUrl,
    pause: () => void p.kill('SIGSTOP'),
    resume: () => void p.kill('SIGCONT'),
    stop: async () => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      p.kill('SIGCONT');
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      });
    },
  };
}
