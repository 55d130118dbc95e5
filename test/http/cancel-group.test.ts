import { describe, expect, it } from 'vitest';
import { CancelGroup, type Cancellable } from '../../src/http/cancel-group.js';

const member = () => {
  const seen: unknown[] = [];
  const m: Cancellable & { seen: unknown[] } = { seen, cancel: (reason) => seen.push(reason) };
  return m;
};

describe('CancelGroup', () => {
  it('cancels every member once, with the reason, and forgets them', () => {
    const group = new CancelGroup();
    const [a, b] = [member(), member()];
    group.add(a);
    group.add(b);
    const reason = new Error('client gone');
    group.cancel(reason);
    group.cancel(new Error('again'));
    expect(a.seen).toEqual([reason]);
    expect(b.seen).toEqual([reason]);
    expect(group.cancelled).toBe(true);
    expect(group.reason).toBe(reason);
  });

  it('does not cancel a member that left, and refuses new members once cancelled', () => {
    const group = new CancelGroup();
    const left = member();
    group.add(left);
    group.delete(left);
    group.cancel('stop');
    expect(left.seen).toEqual([]);
    const late = member();
    expect(group.add(late)).toBe(false);
    expect(late.seen).toEqual([]);
  });

  it('gives one AbortSignal that aborts with the group, also when asked after the cancel', () => {
    const group = new CancelGroup();
    const signal = group.toSignal();
    expect(group.toSignal()).toBe(signal);
    group.cancel('deadline');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('deadline');
    const after = new CancelGroup();
    after.cancel('gone');
    expect(after.toSignal().reason).toBe('gone');
  });

  it('lets a whole fan-out wait on its signal at once (1,500 owners’ calls) without Node’s listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const signal = new CancelGroup().toSignal();
    const listeners = Array.from({ length: 1_500 }, () => () => undefined);
    for (const l of listeners) signal.addEventListener('abort', l);
    await new Promise((r) => setImmediate(r)); // Node emits the warning on a later tick
    process.off('warning', onWarning);
    for (const l of listeners) signal.removeEventListener('abort', l);
    expect(warnings).toEqual([]);
  });

  it('follows a signal: one group per signal, cancelled when it aborts', () => {
    const controller = new AbortController();
    const group = CancelGroup.of(controller.signal);
    expect(CancelGroup.of(controller.signal)).toBe(group);
    const m = member();
    group.add(m);
    controller.abort('bye');
    expect(m.seen).toEqual(['bye']);
    expect(CancelGroup.of(AbortSignal.abort('already')).reason).toBe('already');
  });
});
