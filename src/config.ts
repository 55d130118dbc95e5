import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isScalar, LineCounter, parseDocument, visit, YAMLError, type Document } from 'yaml';
import { z } from 'zod';
import { authSchema } from './auth/config.js';
import { unknownLimits } from './auth/grants.js';
import { GRAPHQL_PATH, HEALTH_PATHS, READY_PATH } from './ops.js';
import { rate } from './store/rate-budgets.js';
import { accountSecrets } from './vendors/account-deps.js';
import { httpSettings } from './vendors/account-schema.js';
import { vendorModules } from './vendors/registry.js';
import type { VendorModule } from './vendors/module.js';
import type { AccountConfigBase } from './vendors/types.js';

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const admissionSchema = z
  .object({
    adaptive: z.boolean().default(true),
    /** Default 4, or `max` when that is lower (`max: 1` alone is a valid setting). */
    min: z.number().int().min(1).max(100_000).optional(),
    max: z.number().int().min(1).max(100_000).default(256),
    maxQueued: z.number().int().min(0).max(1_000_000).default(1_024),
    /** Refuse (503) a request that waited longer than this; default: requestTimeoutMs. */
    maxWaitMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict()
  .refine((a) => a.min === undefined || a.min <= a.max, { message: 'min must not exceed max', path: ['min'] })
  .transform(({ min, ...a }) => ({ ...a, min: min ?? Math.min(4, a.max) }));

const limitsSchema = z
  .object({
    maxDepth: z.number().int().min(1).max(100).default(12),
    maxAliases: z.number().int().min(0).max(1000).default(30),
    maxDirectives: z.number().int().min(0).max(1000).default(20),
    maxTokens: z.number().int().min(10).max(100_000).default(2_000),
    // The cost grows with the page served × selection (src/page-cost.ts); it must admit a page of
    // 500 with every field (~84,000; the GraphiQL example ~51,000) and refuse pages nested through owners.
    maxCost: z.number().int().min(1).max(10_000_000).default(100_000),
    /** Lookups by id per operation: `node`s, `nodes` ids, `_entities` representations (src/lookup-limit.ts). Default: 100, or 500 as a subgraph. */
    maxNodeLookups: z.number().int().min(1).max(10_000).optional(),
    /** Default: 100,000 bytes, or 256,000 as a subgraph (a router's `_entities` fetch of maxNodeLookups ids). */
    maxBodyBytes: z.number().int().min(1_024).max(10_000_000).optional(),
    /** A request body must arrive in full within this (HTTP 408 otherwise), before it queues for admission. */
    requestBodyTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /** Batched requests (arrays of operations): off unless set to a maximum batch size. */
    batching: z.union([z.literal(false), z.number().int().min(1).max(50)]).default(false),
    /** GraphQL requests running at once; the rest wait in arrival order (src/admission.ts). */
    admission: admissionSchema.default(admissionSchema.parse({})),
    /** Each caller's own budget of GraphQL operations (src/caller-rate-limit.ts); absent: none. */
    perCaller: rate.optional(),
  })
  .strict();

/**
 * Where Prometheus reads the metrics. Not a path something else answers: on GraphQL's, every GET
 * (GraphiQL, a query) would get the metrics instead; on a health check's, the metrics are never served.
 */
const metricsPath = z
  .string()
  .regex(/^\/[\w/-]*$/)
  .refine((path) => ![GRAPHQL_PATH, `${GRAPHQL_PATH}/`, ...HEALTH_PATHS, READY_PATH].includes(path), `must not be ${GRAPHQL_PATH}, ${HEALTH_PATHS.join(', ')} or ${READY_PATH}, which are served already`);

const gatewaySchema = z
  .object({
    listen: z
      .object({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65_535).default(4000) })
      .strict()
      .default({ host: '127.0.0.1', port: 4000 }),
    /** Every GraphQL request answers within this; upstream waits and retries stay inside it. */
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /**
     * On SIGTERM, first this long with `/readyz` answering 503 while requests are still accepted and
     * served, so a load balancer (a Kubernetes Service) stops routing here before the listener closes.
     * 0 (the default): close at once, as a process with no load balancer in front wants.
     */
    shutdownDelayMs: z.number().int().min(0).max(600_000).default(0),
    /** On SIGTERM (after shutdownDelayMs): stop accepting, let in-flight requests finish for at most this long. */
    shutdownTimeoutMs: z.number().int().min(0).max(600_000).default(10_000),
    /** Shared state for replicas (idempotency, tokens, rate budgets, vault update locks); in memory when absent. */
    redis: z.object({ url: z.string().regex(/^rediss?:\/\//, 'use redis:// or rediss://'), keyPrefix: z.string().max(64).default('cgw:') }).strict().optional(),
    metrics: z.object({ enabled: z.boolean().default(true), path: metricsPath.default('/metrics') }).strict().default({ enabled: true, path: '/metrics' }),
    /** OpenTelemetry: a span per GraphQL operation and, as its children, one per upstream call, exported over OTLP/HTTP. */
    tracing: z
      .object({
        // OTLP/HTTP: any other scheme (ftp:, file:) was taken, and every span silently dropped.
        otlpEndpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, such as http://otel-collector:4318 (spans are sent over OTLP/HTTP)' }),
        /** A caller's W3C traceparent: continue its trace (behind a router), or ignore it (callers you do not trust to name traces). */
        incomingContext: z.enum(['continue', 'ignore']).default('continue'),
      })
      .strict()
      .optional(),
    /** Credentials expiring within this many days are EXPIRING. */
    expiryWarningDays: z.number().positive().max(3650).default(30),
    /** The service's name: the caller's when auth is `none` (so the vault `operator` then), and OpenTelemetry's `service.name`. */
    serviceName: z.string().min(1).max(128).default('credential-gateway'),
    /** Who may call: API keys (hashes) and/or JWTs, or the explicit string "none". Required. */
    auth: authSchema,
    graphiql: z.boolean().default(true),
    /**
     * Web origins whose pages may call the gateway from a browser (CORS). Absent: none, so a page
     * on another site can neither read the gateway's answers nor send it preflighted requests.
     */
    cors: z
      .object({
        // A web page's origin: http(s). Any other URL (file:, data:) has the opaque origin "null",
        // which every sandboxed iframe sends: listing it would admit them all.
        origins: z.array(z.url({ protocol: /^https?$/, error: 'must be an http(s) origin, such as https://console.example.com' }).transform((u) => new URL(u).origin)).min(1),
        credentials: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /**
     * Serve the Federation v2 subgraph schema (`_service`, `_entities`) for a supergraph router;
     * `{ node: false }` leaves `Query.node` and `nodes` out, for a supergraph where another subgraph defines them.
     */
    federation: z.union([z.boolean(), z.object({ node: z.boolean().default(true) }).strict()]).default(false),
    introspection: z.boolean().default(true),
    limits: limitsSchema.default(limitsSchema.parse({})),
    /** Only operations whose sha256 hash is listed run (`{"<hash>": "<document>"}` JSON file). */
    persistedOperations: z.object({ file: z.string().min(1), allowArbitrary: z.boolean().default(false) }).strict().optional(),
    audit: z.object({ file: z.string().min(1).optional() }).strict().default({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    http: httpSettings.default(httpSettings.parse({})),
    accounts: z.array(z.looseObject({ vendor: z.string(), name: z.string() })).min(1, 'configure at least one account'),
  })
  .strict()
  // A router sends operations of its own making (`_service`, `_entities` for every query plan),
  // which no list of persisted operations can hold: a subgraph behind a router would stop working.
  .refine((c) => !(c.federation && c.persistedOperations && !c.persistedOperations.allowArbitrary), {
    path: ['persistedOperations'],
    message: 'a subgraph (federation: true) must run the router-made operations no persisted list can hold: enforce persisted operations at the router, or set allowArbitrary',
  });

export interface ConfiguredAccount {
  module: VendorModule;
  config: AccountConfigBase;
}

export interface GatewayConfig extends Omit<z.output<typeof gatewaySchema>, 'accounts'> {
  accounts: ConfiguredAccount[];
  /** Every secret value in the config, so logs and tests can prove none leaks. */
  secrets: string[];
}

/**
 * The strings that held a `${…}` reference, by path: the reference (`environment variable PORT`,
 * `file /run/secrets/port`) when the string was exactly that one reference, else null.
 */
type References = Map<string, string | null>;

const REFERENCE = /\$\{(?:([A-Za-z_][A-Za-z0-9_]*)|file:([^}]+))\}/g;
const WHOLE_REFERENCE = new RegExp(`^${REFERENCE.source}$`);

/**
 * The deepest a config nests is 6 levels (auth.apiKeys.0.scopes.0.accounts.0). Walking a value
 * nested thousands deep (`[[[[…]]]]`, which JSON.parse takes) overflowed the stack: the gateway
 * died with "Maximum call stack size exceeded", or ran out of memory, naming nothing. The first
 * walk, interpolate(), refuses it at this depth.
 */
const MAX_NESTING = 64;

/**
 * Replaces `${NAME}` in every string with the environment's value, and `${file:/path}` with that
 * file's content less its final line break (secrets mounted as files by Docker or Kubernetes).
 * Names the field when one cannot be had, and adds its path to `unset` (its value is then
 * incomplete, so nothing else is said about it). Records in `refs` which strings held references.
 */
function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: string[], issues: string[], unset: Set<string>, refs: References): unknown {
  if (typeof value === 'string') {
    let count = 0;
    let source = '';
    const result = value.replace(REFERENCE, (_, name: string | undefined, file: string | undefined) => {
      count++;
      source = name !== undefined ? `environment variable ${name}` : `file ${file}`;
      const v = name !== undefined ? env[name] : readSecretFile(file!);
      if (v === undefined) {
        // A file that is one reference (`${CONFIG}`) has no path: named "(root)", as describe() does.
        const at = path.join('.') || '(root)';
        issues.push(`${at}: ${name !== undefined ? `environment variable ${name} is not set` : `file ${file} cannot be read`}`);
        unset.add(at);
      }
      return v ?? '';
    });
    if (count > 0) refs.set(path.join('.'), count === 1 && WHOLE_REFERENCE.test(value) ? source : null);
    return result;
  }
  if (value && typeof value === 'object' && path.length >= MAX_NESTING) {
    throw new ConfigError([`${path.slice(0, 4).join('.')}.…: nested more than ${MAX_NESTING} levels deep; no setting nests more than 6`]);
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, String(i)], issues, unset, refs));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k], issues, unset, refs)]));
  }
  return value;
}

/**
 * Parses `value`, reading a setting that wants a number or a boolean and is exactly one reference
 * (`port: ${PORT}`, `graphiql: ${GRAPHIQL}`) as a number or true/false when its value is written as
 * one. Only where the schema refuses the string: a reference for a string setting (a numeric
 * client id, say) stays a string. `value` is changed in place.
 */
function parseWithReferences<T extends z.ZodType>(schema: T, value: unknown, prefix: (string | number)[], refs: References): z.ZodSafeParseResult<z.output<T>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed;
  // One pass is enough: zod reports every field's issue at once, a union's options' included.
  let converted = false;
  for (const { path, wants } of scalarsWanted(parsed.error.issues)) {
    if (!refs.get([...prefix, ...path].join('.'))) continue; // no reference, or one within other text
    const parent = path.slice(0, -1).reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
    const key = path[path.length - 1];
    if (!parent || typeof parent !== 'object' || key === undefined) continue;
    const current = (parent as Record<PropertyKey, unknown>)[key];
    const scalar = typeof current === 'string' ? toScalar(current, wants) : undefined;
    if (scalar === undefined) continue;
    (parent as Record<PropertyKey, unknown>)[key] = scalar;
    converted = true;
  }
  return converted ? schema.safeParse(value) : parsed;
}

/** Where the schema wanted a number or a boolean, a union's options included. */
function scalarsWanted(issues: readonly z.core.$ZodIssue[], base: PropertyKey[] = []): { path: PropertyKey[]; wants: 'number' | 'boolean' }[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union') return issue.errors.flatMap((option) => scalarsWanted(option, path));
    if (issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int')) return [{ path, wants: 'number' as const }];
    if (issue.code === 'invalid_type' && issue.expected === 'boolean') return [{ path, wants: 'boolean' as const }];
    if (issue.code === 'invalid_value' && issue.values.some((v) => typeof v === 'boolean')) return [{ path, wants: 'boolean' as const }];
    return [];
  });
}

/** A number or a boolean as YAML writes one (decimal; true/false), else undefined. */
function toScalar(text: string, wants: 'number' | 'boolean'): number | boolean | undefined {
  if (wants === 'number') return /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : undefined;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  return undefined;
}

function readSecretFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    return undefined;
  }
}

const AUTH_REQUIRED = 'auth: required: list callers (apiKeys, jwt) or set auth: "none" explicitly';

/**
 * One line per issue, named by its path. A value that matches no option of a union (`auth` is
 * "none" or an object; a grant a string or an object) is explained by the option of its own
 * shape, not as a bare "Invalid input", or, when it has the shape of none, by what they accept.
 * A field that was a `${…}` reference says which (never its value).
 */
function describe(prefix: (string | number)[], issue: z.core.$ZodIssue, refs: References = new Map()): string[] {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  let message = issue.message;
  if (issue.code === 'invalid_union') {
    const ofItsShape = issue.errors.filter((option) => !option.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')));
    if (ofItsShape.length === 1) return ofItsShape[0]!.flatMap((i) => describe(path, i, refs));
    if (ofItsShape.length === 0 && message === 'Invalid input') message = `Invalid input: expected ${issue.errors.map(accepted).join(' or ')}`;
  }
  const at = path.map(String).join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') {
    // A mistyped YAML line (`token:s3cr3t` without its space) is a key that holds a value, and a
    // value whose key was left out (`{ name: prod, s3cr3t }`) is a key: name only keys that look
    // like the config's, letters without digits (an Auth0 client secret is 64 letters, digits, "-"
    // and "_", so it passed for a name and was printed).
    const keys = issue.keys.map((k) => (/^[A-Za-z_$][A-Za-z_$-]{0,39}$/.test(k) ? `"${k}"` : '(a key not shown: it does not look like a name)'));
    const shown = keys.length > 10 ? [...keys.slice(0, 10), `and ${keys.length - 10} more`] : keys;
    return [`${at}: unknown key${keys.length > 1 ? 's' : ''} ${shown.join(', ')}`];
  }
  const reference = refs.get(path.join('.'));
  if (reference === undefined) return [`${at}: ${message}`];
  const wanted = issue.code === 'invalid_type' ? issue.expected : undefined;
  if (reference !== null && wanted === 'number') return [`${at}: expected a number, and ${reference} does not hold one`];
  if (reference !== null && wanted === 'boolean') return [`${at}: expected true or false, and ${reference} holds neither`];
  // Any other type but an integer (said of a number read from a reference): the string was refused.
  if (wanted !== undefined && wanted !== 'int') return [`${at}: ${message} (${reference ? `from ${reference}: a \${…} reference` : 'text with a ${…} reference in it'} is a string)`];
  return [`${at}: ${message}${reference ? ` (from ${reference})` : ''}`];
}

/** What one option of a union accepts, said of the issue it raised at the union's own level. */
function accepted(option: readonly z.core.$ZodIssue[]): string {
  const own = option.find((i) => i.path.length === 0);
  if (own?.code === 'invalid_value') return own.values.map((v) => JSON.stringify(v)).join(' or ');
  if (own?.code === 'invalid_type') return /^[aeiou]/.test(own.expected) ? `an ${own.expected}` : `a ${own.expected}`;
  return 'another value';
}

/**
 * Parses untrusted config JSON; messages name fields and never echo values (they may be secrets).
 * Every issue is reported at once, the accounts' included, so a config is fixed in one round.
 */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const issues: string[] = [];
  const unset = new Set<string>();
  const refs: References = new Map();
  const interpolated = interpolate(raw, env, [], issues, unset, refs);
  const object = interpolated && typeof interpolated === 'object' ? (interpolated as Record<string, unknown>) : undefined;
  // The one setting with no default: an open gateway must be a decision, not an omission.
  const authMissing = object !== undefined && !('auth' in object);
  if (authMissing) issues.push(AUTH_REQUIRED);
  const base = parseWithReferences(gatewaySchema, interpolated, [], refs);
  if (!base.success) {
    for (const issue of base.error.issues) if (!(authMissing && issue.path[0] === 'auth')) issues.push(...describe([], issue, refs));
  }

  const accounts: ConfiguredAccount[] = [];
  const secrets: string[] = [];
  const names = new Set<string>();
  const listed = base.success ? base.data.accounts : Array.isArray(object?.accounts) ? (object.accounts as unknown[]) : [];
  listed.forEach((account, i) => {
    const vendor = (account as { vendor?: unknown } | null)?.vendor;
    if (typeof vendor !== 'string') return; // the base schema has said so
    const module = (vendorModules as readonly VendorModule[]).find((m) => m.configName === vendor);
    if (!module) {
      issues.push(`accounts.${i}.vendor: unknown vendor; use one of ${vendorModules.map((m) => m.configName).join(', ')}`);
      return;
    }
    const parsed = parseWithReferences(module.accountSchema, account, ['accounts', i], refs);
    if (!parsed.success) {
      issues.push(...parsed.error.issues.flatMap((issue) => describe(['accounts', i], issue, refs)));
      return;
    }
    if (names.has(parsed.data.name)) issues.push(`accounts.${i}.name: duplicate account name`);
    names.add(parsed.data.name);
    secrets.push(...accountSecrets(module, parsed.data));
    accounts.push({ module, config: parsed.data });
  });
  // Grants limited to an account or vendor the gateway does not have: checked against every account
  // listed (one that failed has had its say), and against the sandbox's when it supplies them.
  const auth = base.success ? base.data.auth : authSchema.safeParse(object?.auth).data;
  if (auth !== undefined && auth !== 'none') {
    const declared = new Set(listed.flatMap((a) => (typeof (a as { name?: unknown } | null)?.name === 'string' ? [(a as { name: string }).name] : [])));
    const known = { vendors: vendorModules.map((m) => m.configName), accounts: declared };
    auth.apiKeys.forEach((key, i) =>
      key.scopes.forEach((grant, j) => issues.push(...unknownLimits(grant, known).map((message) => `auth.apiKeys.${i}.scopes.${j}: ${message}`))),
    );
  }
  // A field whose variable is unset has had its say ("is not set"); its stand-in value has none.
  const said = issues.filter((line, i) => issues.indexOf(line) === i && (/: (environment variable \w+ is not set|file .+ cannot be read)$/.test(line) || !unset.has(line.slice(0, line.indexOf(': ')))));
  if (said.length || !base.success) throw new ConfigError(said);
  return { ...base.data, accounts, secrets };
}

/**
 * A key given twice in one mapping, by line and column: JSON.parse keeps the last without a word,
 * so a second `auth` further down a file would silently replace the first. JSON is YAML's flow
 * syntax, so one walk over the YAML document finds them in either (escaped spellings of one key
 * included). With a Set per mapping: the YAML parser's own check (`uniqueKeys`) compares each key
 * with every one before it, and a file of 40,000 keys took 10 s, one of 200,000 hung for minutes.
 */
function duplicateKey(doc: Document, lines: LineCounter): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue; // a complex key is no setting's: the schema refuses it
        if (!seen.has(key.value)) {
          seen.add(key.value);
          continue;
        }
        const at = key.range ? lines.linePos(key.range[0]) : undefined;
        found = at ? ` at line ${at.line}, column ${at.col}` : '';
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * The largest config file read: a real one is a few kB. Parsing 50 MB took the YAML parser 17 s
 * and 1.5 GB of memory before anything was said.
 */
const MAX_FILE_BYTES = 1_000_000;

/**
 * Reads and parses a config file. `accounts`, when given (the sandbox's simulators), are the
 * accounts: the file then leaves its own out.
 */
export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, accounts?: readonly unknown[]): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new ConfigError([`${file} is larger than ${MAX_FILE_BYTES / 1_000_000} MB: a config is a few kB`]);
  const yaml = /\.ya?ml$/i.test(file);
  const kind = yaml ? 'YAML' : 'JSON';
  let raw: unknown;
  try {
    // Warnings (an unknown tag, say) are not printed: one quotes the line it is about, which may
    // hold a secret. (Not 'silent': that would also drop the error for a second document.)
    // Duplicate keys are looked for below, in linear time.
    const lines = new LineCounter();
    const doc = parseDocument(text, { uniqueKeys: false, logLevel: 'error', lineCounter: lines });
    if (yaml && doc.errors[0]) throw doc.errors[0];
    const twice = duplicateKey(doc, lines);
    if (twice !== undefined) throw new ConfigError([`${file} gives a key twice${twice} (DUPLICATE_KEY)${yaml ? '' : ': JSON would silently keep the last'}`]);
    raw = yaml ? doc.toJS() : JSON.parse(text);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // The parser's message can quote the offending line, which may hold a secret: only where it
    // is, and the YAML parser's error code (a fixed word such as BAD_INDENT).
    const at = err instanceof YAMLError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col} (${err.code})` : '';
    throw new ConfigError([`${file} is not valid ${kind}${at}`]);
  }
  if (accounts && raw && typeof raw === 'object') {
    if ('accounts' in raw) throw new ConfigError(['accounts: leave them out with --sandbox: the built-in simulators are the accounts']);
    raw = { ...raw, accounts };
  }
  return parseConfig(raw, env);
}
