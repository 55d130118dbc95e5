import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layering the README promises (Development): GraphQL resolvers → vendor adapter → HTTP
 * client, one vendor per folder, the registry read by the composition roots alone. Read from the
 * import declarations of every file under src/ (parsed, not type-checked: fast).
 */

interface Edge {
  from: string;
  /** A path under src/ for a relative import (`.js` read as `.ts`), else the package name. */
  to: string;
  line: number;
  /** Erased at run time: `import type`, `export type … from`, every named import a type, or `import('…')` in a type. */
  typeOnly: boolean;
}

const files = (readdirSync('src', { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join('src', f).split('\\').join('/'))
  .sort();

const edges: Edge[] = files.flatMap((from) => {
  const sf = ts.createSourceFile(from, readFileSync(from, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: Edge[] = [];
  const add = (n: ts.Node, spec: string, typeOnly: boolean) => {
    const to = spec.startsWith('.') ? normalize(join(dirname(from), spec)).split('\\').join('/').replace(/\.js$/, '.ts') : spec;
    out.push({ from, to, typeOnly, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1 });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const allTypes = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(n, n.moduleSpecifier.text, allTypes);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      add(n, n.moduleSpecifier.text, n.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) {
      add(n, n.moduleReference.expression.text, n.isTypeOnly);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      add(n, n.arguments[0].text, false);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      add(n, n.argument.literal.text, true);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
});

/**
 * Edges the rules below let through, each with why; a test fails when one is no longer there, so
 * this list can only shrink.
 */
const ALLOWED: Record<string, string> = {};
const allowed = (e: Edge) => `${e.from} -> ${e.to}` in ALLOWED;
const show = (e: Edge) => `${e.from}:${e.line} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`;

/** GraphQL, and the modules that carry it: the schema, the GraphQL context, the vendor module descriptor. */
const isGraphQL = (to: string) =>
  /^(graphql|graphql-[\w-]+|@graphql-[\w-]+\/[\w-]+|@pothos\/[\w-]+|@apollo\/[\w-]+|@escape\.tech\/graphql-armor)$/.test(to) ||
  to.startsWith('src/schema/') ||
  to === 'src/context.ts' ||
  to === 'src/vendors/module.ts';
const vendorOf = (f: string) => /^src\/vendors\/([^/]+)\//.exec(f)?.[1];
const isResolver = (f: string) => f.startsWith('src/schema/') || /^src\/vendors\/[^/]+\/graphql\.ts$/.test(f);
/** Where a vendor's parts meet (its index.ts), and the registry and module descriptor of them all. */
const isVendorComposition = (f: string) => /^src\/vendors\/[^/]+\/index\.ts$/.test(f) || f === 'src/vendors/registry.ts' || f === 'src/vendors/module.ts';
/** Adapters, vendor JSON schemas, records, simulators and what they share (sessions, account deps…). */
const isVendorSide = (f: string) => f.startsWith('src/vendors/') && !isResolver(f) && !isVendorComposition(f);
/** The modules that put the vendors together for the gateway: config, sandbox, schema. */
const COMPOSITION_ROOTS = ['src/config.ts', 'src/sandbox.ts', 'src/schema/index.ts', 'src/schema/example-operations.ts'];

/** Every module `from` reaches through imports (types included unless `runtimeOnly`), allowed edges left out. */
function reach(from: string, runtimeOnly = false): Map<string, Edge[]> {
  const paths = new Map<string, Edge[]>([[from, []]]);
  const queue = [from];
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
    for (const e of edges) {
      if (e.from !== f || allowed(e) || (runtimeOnly && e.typeOnly) || paths.has(e.to)) continue;
      paths.set(e.to, [...paths.get(f)!, e]);
      if (e.to.startsWith('src/')) queue.push(e.to);
    }
  }
  return paths;
}

/** Import cycles among src/ files, each as the chain of edges that closes it. */
function cycles(runtimeOnly: boolean): string[] {
  const next = new Map<string, Edge[]>();
  for (const e of edges) {
    if (!e.to.startsWith('src/') || allowed(e) || (runtimeOnly && e.typeOnly)) continue;
    next.set(e.from, [...(next.get(e.from) ?? []), e]);
  }
  const state = new Map<string, 'open' | 'done'>();
  const found: string[] = [];
  const dfs = (f: string, stack: Edge[]): void => {
    state.set(f, 'open');
    for (const e of next.get(f) ?? []) {
      if (state.get(e.to) === 'open') found.push([...stack.slice(stack.findIndex((s) => s.from === e.to)), e].map(show).join('  '));
      else if (!state.has(e.to)) dfs(e.to, [...stack, e]);
    }
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) dfs(f, []);
  return found;
}

describe('architecture: calls go one way', () => {
  it('reads the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.filter((e) => e.from === 'src/gateway.ts' && e.to === 'graphql-yoga')).toHaveLength(1);
  });

  it('http/ knows nothing of GraphQL, the vendors or the request context', () => {
    expect(edges.filter((e) => e.from.startsWith('src/http/') && (isGraphQL(e.to) || e.to.startsWith('src/vendors/'))).map(show)).toEqual([]);
  });

  it('domain/ imports only domain/ (and zod)', () => {
    expect(edges.filter((e) => e.from.startsWith('src/domain/') && !e.to.startsWith('src/domain/') && e.to !== 'zod').map(show)).toEqual([]);
  });

  it('adapters, vendor JSON schemas, records and simulators hold no GraphQL, not even through another module or a type', () => {
    // For each file, the shortest chain of imports that reaches GraphQL.
    const problems = files.flatMap((f) => {
      const hit = isVendorSide(f) ? [...reach(f)].find(([to]) => isGraphQL(to)) : undefined;
      return hit ? [hit[1].map(show).join('  ')] : [];
    });
    expect(problems).toEqual([]);
  });

  it('resolvers hold no HTTP', () => {
    expect(edges.filter((e) => isResolver(e.from) && (e.to === 'undici' || e.to.startsWith('src/http/'))).map(show)).toEqual([]);
  });

  it('a vendor folder imports no other vendor folder', () => {
    expect(edges.filter((e) => vendorOf(e.from) && vendorOf(e.to) && vendorOf(e.from) !== vendorOf(e.to)).map(show)).toEqual([]);
  });

  it('only the registry imports a vendor folder from outside it', () => {
    expect(edges.filter((e) => vendorOf(e.to) && vendorOf(e.from) !== vendorOf(e.to) && e.from !== 'src/vendors/registry.ts').map(show)).toEqual([]);
  });

  it('only the composition roots read the registry', () => {
    expect(edges.filter((e) => e.to === 'src/vendors/registry.ts' && !COMPOSITION_ROOTS.includes(e.from)).map(show)).toEqual([]);
  });

  it('has no import cycles at run time', () => {
    expect(cycles(true)).toEqual([]);
  });

  it('has no import cycles through types either', () => {
    expect(cycles(false)).toEqual([]);
  });

  it('src/ needs at run time only Node and the packages a production install has (dependencies, not devDependencies)', () => {
    const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    // `@scope/name/sub` and `name/sub` are `@scope/name` and `name`.
    const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
    const missing = edges.filter((e) => !e.typeOnly && !e.to.startsWith('src/') && !e.to.startsWith('node:') && !(packageOf(e.to) in dependencies));
    expect(missing.map(show)).toEqual([]);
  });

  it('has no allowance left that nothing needs', () => {
    const present = new Set(edges.map((e) => `${e.from} -> ${e.to}`));
    expect(Object.keys(ALLOWED).filter((k) => !present.has(k))).toEqual([]);
  });
});
