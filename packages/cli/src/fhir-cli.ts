/**
 * `tace-risk fhir subscribe`: creates on the EHR the topic-based Subscriptions (FHIR R4 Backport
 * IG) the ingestion service needs, and registers them in Redis so the service accepts their
 * notifications. Run it with the ingestion service's environment (TACE_FHIR_BASE_URL and the EHR
 * credentials, TACE_REDIS_URL). Idempotent: a second run finds the Subscriptions (our tag, topic
 * and endpoint) and keeps them, or updates them in place when the settings or the token changed.
 */
import { readFile } from 'node:fs/promises';
import { createLogger, TaceError } from '@tace/common';
import { ensureSubscriptions, TOPICS, type PayloadContent, type SubscriptionRequest } from '@tace/fhir';
import { redisConnection } from '@tace/jobs';
import { fhirClientFrom, RedisSubscriptionStore, SETTINGS, fhirCredentialProblems, type Config } from '@tace/pipeline';

const HELP = `usage: tace-risk fhir subscribe --endpoint URL --token-file FILE [options]

Creates (or finds) on the EHR one Subscription (R4 Backport IG, backport-subscription) per topic:
  ${TOPICS.map((t) => `${t.url}\n      ${t.title}; backport-filter-criteria ${t.filter}`).join('\n  ')}
channel rest-hook to --endpoint, and registers them in Redis for the ingestion service.

  --endpoint URL        the ingestion service's POST /fhir/subscription-notification as the EHR reaches it
                        (https; http only on loopback)
  --token-file FILE     bearer token the EHR sends (channel.header "Authorization: Bearer …"); a token of
                        TACE_AUTH_ISSUER for the EHR's client with scope subscriptions:notify. Re-run with a
                        new token before it expires: the Subscriptions are updated in place
  --content C           id-only (default) or full-resource (backport-payload-content)
  --heartbeat-s N       backport-heartbeat-period, seconds (default 60)
  --max-count N         backport-max-count: events per notification (default 20)
  --timeout-s N         backport-timeout, seconds (default 30)
  --topics LIST         comma-separated topic keys (default: both)
  --help

Environment: TACE_FHIR_BASE_URL, the EHR credentials (TACE_FHIR_TOKEN, or TACE_FHIR_CLIENT_ID with
TACE_FHIR_PRIVATE_KEY_FILE / TACE_FHIR_CLIENT_SECRET; scopes default to the service's plus
system/Subscription.cruds), TACE_REDIS_URL.
Exit status: 0 done; 1 SUBSCRIPTION_UNSUPPORTED (the server lacks the Backport IG or refused the
Subscription: nothing created) or another coded error; 2 CLI_BAD_ARGUMENT.`;

const bad = (message: string) => new TaceError('CLI_BAD_ARGUMENT', message, { httpStatus: 400 });

function parseArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help') {
      out.help = '1';
      continue;
    }
    if (!a.startsWith('--')) throw bad(`unexpected argument '${a}'`);
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw bad(`${a} needs a value`);
    out[a.slice(2)] = v;
    i++;
  }
  return out;
}

function posInt(name: string, raw: string | undefined, dflt: number, max: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw bad(`--${name} must be a whole number in [1, ${max}]`);
  return n;
}

/** The settings this command needs, parsed with the services' own parsers. */
function loadCliConfig(env: NodeJS.ProcessEnv): Config {
  const keys = ['fhirBaseUrl', 'fhirToken', 'fhirClientId', 'fhirClientSecret', 'fhirPrivateKeyFile', 'fhirTokenUrl', 'fhirScopes', 'fhirJwksUrl', 'fhirTimeoutMs', 'redisUrl'] as const;
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const k of keys) {
    const s = SETTINGS[k] as { env: string; default?: string; required?: boolean; secret?: boolean; parse: (raw: string) => unknown };
    let raw = env[s.env] ?? s.default;
    if (k === 'fhirScopes' && env[s.env] === undefined) raw = `${s.default} system/Subscription.cruds`;
    if (raw === undefined || raw === '') {
      if (s.required) problems.push(`${s.env} is required`);
      continue;
    }
    try {
      out[k] = s.parse(raw);
    } catch (e) {
      problems.push(`${s.env}${s.secret ? '' : `='${raw}'`} ${(e as Error).message}`);
    }
  }
  problems.push(...fhirCredentialProblems(out)); // the same checks as the services
  if (problems.length) throw new TaceError('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return out as Config;
}

/** exp of a JWT, when the token is one (not verified: only to warn before it lapses). */
function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

export async function runFhirCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (sub !== 'subscribe') {
    process.stderr.write(`CLI_BAD_ARGUMENT: unknown command 'fhir ${sub}'\n${HELP}\n`);
    return 2;
  }
  let o: Record<string, string>;
  let reqs: SubscriptionRequest[];
  try {
    o = parseArgs(rest);
    if (o.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (!o.endpoint) throw bad('--endpoint is required');
    let endpoint: URL;
    try {
      endpoint = new URL(o.endpoint);
    } catch {
      throw bad('--endpoint is not a URL');
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(endpoint.hostname);
    if (endpoint.protocol !== 'https:' && !(endpoint.protocol === 'http:' && loopback)) throw bad('--endpoint must be https (the EHR sends a bearer token to it); http only on loopback');
    if (!o['token-file']) throw bad('--token-file is required (the bearer token the EHR sends with each notification)');
    const token = (await readFile(o['token-file'], 'utf8').catch(() => {
      throw bad('--token-file cannot be read');
    })).trim();
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) throw bad('--token-file does not hold one bearer token');
    const exp = jwtExpiry(token);
    if (exp !== undefined && exp * 1000 < Date.now()) throw bad('the notification token has expired');
    if (exp !== undefined && exp * 1000 < Date.now() + 30 * 86_400_000) {
      process.stderr.write(`warning: the notification token expires at ${new Date(exp * 1000).toISOString()}; re-run fhir subscribe with a new one before then\n`);
    }
    const content = (o.content ?? 'id-only') as PayloadContent;
    if (content !== 'id-only' && content !== 'full-resource') throw bad('--content must be id-only or full-resource');
    const keys = (o.topics ?? TOPICS.map((t) => t.key).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
    const topics = keys.map((k) => TOPICS.find((t) => t.key === k) ?? (() => { throw bad(`unknown topic '${k}' (${TOPICS.map((t) => t.key).join(', ')})`); })());
    const common = {
      endpoint: endpoint.toString(),
      content,
      heartbeatS: posInt('heartbeat-s', o['heartbeat-s'], 60, 86_400),
      maxCount: posInt('max-count', o['max-count'], 20, 1000),
      timeoutS: posInt('timeout-s', o['timeout-s'], 30, 600),
      headers: [`Authorization: Bearer ${token}`],
    };
    reqs = topics.map((topic) => ({ topic, ...common }));
  } catch (e) {
    if (e instanceof TaceError && e.code === 'CLI_BAD_ARGUMENT') {
      process.stderr.write(`CLI_BAD_ARGUMENT: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const cfg = loadCliConfig(env);
  const fhir = await fhirClientFrom(cfg);
  const log = createLogger('cli', { level: 'warn' });
  const redis = redisConnection(cfg.redisUrl!, log, 'plain');
  let outcome: Awaited<ReturnType<typeof ensureSubscriptions>>;
  try {
    const store = new RedisSubscriptionStore(redis);
    const now = new Date().toISOString();
    // each Subscription is registered before it is requested, so the server's handshake finds it known
    outcome = await ensureSubscriptions(fhir, reqs, {
      register: async (r, req) => {
        try {
          await store.register({ id: r.id, topic: r.topic, topicUrl: req.topic.url, content: req.content, heartbeatS: req.heartbeatS, maxCount: req.maxCount, endpoint: req.endpoint, registeredAt: now });
        } catch (e) {
          throw new TaceError('SUBSCRIPTION_NOT_REGISTERED', `the Subscription could not be registered in Redis (${(e as Error).message.slice(0, 120)}); nothing was requested on the EHR; run the command again`, { cause: e });
        }
      },
    });
  } finally {
    redis.disconnect();
  }
  const { results, support } = outcome;
  process.stdout.write(
    `${JSON.stringify({ events: support.events ? '$events' : 'search recovery (the server lists no $events)', subscriptions: results.map((r) => ({ topic: r.topic, id: r.id, action: r.action, ...(r.status ? { status: r.status } : {}) })) }, null, 2)}\n`,
  );
  return 0;
}
