/**
 * Summarises a `.cpuprofile` (from `npm run bench -- --cpu-prof`): self time by function and by
 * package, so an optimisation starts from where the time goes, not from a guess.
 *
 *   npx tsx bench/profile.ts bench/results/profiles/CPU.*.cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' }, all: { type: 'boolean' } } });
const top = Number(values.top ?? 30);

/** `node_modules/@scope/pkg/...` → `@scope/pkg`; our own files by folder; node internals as `node:`. */
function owner(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.match(/\/(?:dist\/)?(src|bench)\/(.*)$/);
  return src ? `${src[1]}/${src[2]!.split('/').slice(0, -1).join('/') || '.'}` : url;
}

for (const file of positionals) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  for (const [id, t] of self) {
    const { functionName, url } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const key = frameKey(byId.get(id)!);
    fns.set(key, (fns.get(key) ?? 0) + t);
    pkgs.set(owner(url), (pkgs.get(owner(url)) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  console.log(`${file}\nbusy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s\n\nby package:`);
  for (const [k, t] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
  console.log('\nby function (self):');
  for (const [k, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
  // Inclusive: a function's own time plus everything it called (each sample counted once per function).
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = frameKey(byId.get(at)!);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }
  console.log('\nby function (inclusive, our code and the libraries we call into):');
  const ours = [...inclusive].filter(([k]) => !values.all ? /(src|bench)\//.test(k) || /undici|pino|prom-client|zod|dataloader|graphql\/|@graphql-tools\/executor|yoga/.test(k) : true);
  for (const [k, t] of ours.sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
}

function frameKey(n: Node): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(dist\/)?/, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`;
}
