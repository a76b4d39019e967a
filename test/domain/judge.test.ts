import { judge, initialJudgement, type Judgement, type Thresholds } from '../../src/domain/judge';
import type { Outcome } from '../../src/domain/probe';

const thresholds: Thresholds = { downAfter: 3, upAfter: 2 };

/** Feeds outcomes one per second from t=1000 and returns every state the target passed through. */
function run(outcomes: Outcome[], from: Judgement = initialJudgement(0)) {
  let j = from;
  const states: string[] = [];
  outcomes.forEach((o, i) => {
    const r = judge(j, o, 1000 * (i + 1), thresholds);
    j = r.next;
    if (r.flip) states.push(`${r.flip.from}->${r.flip.to}@${r.flip.at}`);
  });
  return { states, judgement: j };
}

describe('judging a target from its probe outcomes', () => {
  it('calls a new target up at its first success', () => {
    expect(run(['up']).states).toEqual(['unknown->up@1000']);
  });

  it('calls it down only after downAfter consecutive failures', () => {
    expect(run(['up', 'down', 'down']).states).toEqual(['unknown->up@1000']);
    expect(run(['up', 'down', 'down', 'down']).states).toEqual(['unknown->up@1000', 'up->down@4000']);
  });

  it('forgives failures interrupted by a success', () => {
    expect(run(['up', 'down', 'down', 'up', 'down', 'down']).states).toEqual(['unknown->up@1000']);
  });

  it('calls it up again only after upAfter consecutive successes', () => {
    const down = run(['down', 'down', 'down']);
    expect(down.states).toEqual(['unknown->down@3000']);
    expect(run(['up'], down.judgement).states).toEqual([]);
    expect(run(['up', 'up'], down.judgement).states).toEqual(['down->up@2000']);
  });

  it('treats degraded as working but not healthy', () => {
    expect(run(['up', 'degraded', 'up']).states).toEqual(['unknown->up@1000', 'up->degraded@2000', 'degraded->up@3000']);
    const down = run(['down', 'down', 'down']).judgement;
    expect(run(['degraded', 'degraded'], down).states).toEqual(['down->degraded@2000']);
  });

  it('says why it changed', () => {
    const r = judge({ state: 'up', since: 0, consecutiveFailures: 2, consecutiveSuccesses: 0 }, 'down', 5, thresholds);
    expect(r.flip).toEqual({ from: 'up', to: 'down', at: 5, reason: '3 consecutive failed probes' });
    expect(r.next).toEqual({ state: 'down', since: 5, consecutiveFailures: 3, consecutiveSuccesses: 0 });
  });
});
