import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile, parseConfig, type GatewayConfig } from './config.js';
import { createGateway } from './gateway.js';
import { createLogger } from './logger.js';
import { startSandbox, type Sandbox } from './sandbox.js';
import { printSortedSchema, printSortedSubgraph } from './schema/index.js';

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, sandbox: { type: 'boolean', default: false } },
  });
  const port = listenPort(values.port, process.env.PORT); // refused before anything starts
  const host = listenHost(values.host);
  const file = configFile(values.config, process.env.CREDENTIAL_GATEWAY_CONFIG);
  let config: GatewayConfig;
  let sandbox: Sandbox | undefined;
  let apiKey: string | undefined;
  if (file) {
    // With --sandbox, the file's settings (auth, federation, limits…) over the built-in simulators.
    sandbox = values.sandbox ? await startSandbox() : undefined;
    config = await loadConfigFile(file, process.env, sandbox?.accounts);
  } else {
    sandbox = await startSandbox();
    // A fresh key per start, shown once: no other machine and no web site gets it (GraphiQL, which
    // carries it, is served only to loopback clients asking for a loopback name; see graphiql.ts).
    apiKey = `cgw_${randomBytes(24).toString('base64url')}`;
    config = parseConfig({
      accounts: sandbox.accounts,
      // A reference, as a config file would write it: a bad value is refused naming LOG_LEVEL.
      logLevel: process.env.LOG_LEVEL ? '${LOG_LEVEL}' : 'info',
      auth: { apiKeys: [{ name: 'sandbox', sha256: createHash('sha256').update(apiKey).digest('hex'), scopes: ['credentials:read', 'credentials:write', 'keys:rotate'] }] },
    });
  }
  const logger = createLogger({ level: config.logLevel });
  const gateway = createGateway(config, { logger, graphiqlHeaders: apiKey ? { 'X-API-Key': apiKey } : undefined });
  const url = await gateway.listen(port, host);
  if (sandbox) {
    const width = Math.max(...[...sandbox.simulators.keys()].map((name) => name.length));
    process.stdout.write(
      `\ncredential-gateway (sandbox: built-in vendor simulators, ${file ? `settings from ${file}` : 'no configuration'})\n` +
        [...sandbox.simulators].map(([name, sim]) => `  ${name.padEnd(width)} ${sim.url}`).join('\n') +
        `\n\n  ${config.graphiql ? 'GraphiQL' : 'GraphQL'}: ${url}\n` +
        (apiKey ? `  API key:  ${apiKey} (sent as X-API-Key; GraphiQL has it pre-filled)\n` : '') +
        '\n',
    );
  } else {
    logger.info({ url, accounts: config.accounts.map((a) => a.config.name) }, 'gateway listening');
  }
  // On SIGTERM (a container's stop) look unready but keep serving for shutdownDelayMs, so the load
  // balancer stops routing here first; on SIGINT (Ctrl-C) there is none to wait for. Then stop
  // accepting, let in-flight requests finish (up to shutdownTimeoutMs), and exit, whatever failed on the way.
  const stop = async (signal: string) => {
    const delayMs = signal === 'SIGTERM' ? config.shutdownDelayMs : 0;
    logger.info({ signal, delayMs, graceMs: config.shutdownTimeoutMs }, 'shutting down');
    let code = 0;
    try {
      await gateway.close(config.shutdownTimeoutMs, delayMs);
      await sandbox?.close();
      logger.info('stopped');
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      code = 1;
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/** `--port`, else `PORT`, else the config's: a number from 0 (any free port) to 65535, said which was wrong. */
function listenPort(flag: string | undefined, env: string | undefined): number | undefined {
  const [source, raw] = flag !== undefined ? ['--port', flag] : env !== undefined && env !== '' ? ['PORT', env] : [null, undefined];
  if (raw === undefined) return undefined;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw new Error(`${source} must be a port number (0-65535)`);
  return port;
}

/**
 * `--config`, else `CREDENTIAL_GATEWAY_CONFIG`; neither: the sandbox. One given empty is refused:
 * `--config "$CONFIG"` with CONFIG unset, or a manifest whose value did not render, would otherwise
 * start the sandbox (simulated data, a fresh API key) where a configured gateway was asked for.
 */
function configFile(flag: string | undefined, env: string | undefined): string | undefined {
  const [source, file] = flag !== undefined ? ['--config', flag] : ['CREDENTIAL_GATEWAY_CONFIG', env];
  if (file !== undefined && file.trim() === '') throw new Error(`${source} is empty: name a config file (without one, the sandbox starts)`);
  return file;
}

/**
 * `--host`, else the config's. An empty one is refused: Node listens on every interface when the
 * host is empty, so `--host "$HOST"` with HOST unset would open a loopback gateway to the network.
 */
function listenHost(flag: string | undefined): string | undefined {
  if (flag !== undefined && flag.trim() === '') throw new Error('--host must name an address (127.0.0.1, 0.0.0.0, …): an empty one listens on every interface');
  return flag;
}

/** The checked-in SDL files (relative to the package root) and how each is printed. */
const SDL_FILES = {
  schema: { name: 'schema/schema.graphql', print: printSortedSchema },
  subgraph: { name: 'schema/subgraph.graphql', print: printSortedSubgraph },
};

/** The package root, whether this runs from src/ (tsx) or from dist/src/ (compiled). */
function packageRoot(): URL {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir;
    if (new URL('../', dir).href === dir.href) throw new Error('no package.json above this module');
  }
}

/** Writes the SDL files, or with --check fails when one is stale (CI runs the check). */
async function printSdl(which: (keyof typeof SDL_FILES)[], args: string[]): Promise<void> {
  // Strict: a mistyped --check must fail, not rewrite the files and pass.
  const { values } = parseArgs({ args, options: { check: { type: 'boolean', default: false } } });
  const root = packageRoot();
  for (const { name, print } of which.map((w) => SDL_FILES[w])) {
    const file = new URL(name, root);
    const sdl = print();
    if (values.check) {
      const current = await readFile(file, 'utf8').catch(() => '');
      if (current !== sdl) {
        process.stderr.write(`${name} is stale: run \`npm run schema:print\` and commit it.\n`);
        process.exit(1);
      }
      process.stdout.write(`${name} is up to date.\n`);
    } else {
      await writeFile(file, sdl);
      process.stdout.write(`wrote ${name}\n`);
    }
  }
}

const [command = 'serve', ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = {
  serve,
  'print-schema': (args) => printSdl(['schema', 'subgraph'], args),
  'print-subgraph': (args) => printSdl(['subgraph'], args),
};
const USAGE = 'usage: main.ts serve [--config FILE [--sandbox]] [--port N] [--host H] | print-schema [--check] | print-subgraph [--check]\n';
// Asked for, the usage is the answer (on stdout, exit 0), before any command runs: `print-schema -h` must not rewrite the files.
if (command === 'help' || [command, ...rest].some((arg) => arg === '--help' || arg === '-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const run = commands[command];
if (!run) {
  process.stderr.write(USAGE);
  process.exit(2);
}
run(rest).catch((err: unknown) => {
  // Config errors are written to be safe to print; anything else prints its message only.
  process.stderr.write(`${err instanceof ConfigError ? err.message : `fatal: ${(err as Error).message}`}\n`);
  process.exit(1);
});
