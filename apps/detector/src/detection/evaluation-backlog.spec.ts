import { EvaluationBacklog } from './evaluation-backlog.js';

const T0 = Date.parse('2026-11-20T02:00:00Z');
const s = (seconds: number) => T0 + seconds * 1000;

describe('the detector’s evaluation backlog (its lag)', () => {
  it('reports partition "all" at 0 before any news, as one partition until the fleet is split', () => {
    expect([...new EvaluationBacklog().byPartition(s(0))]).toEqual([['all', { vehicles: 0, lagSeconds: 0 }]]);
  });

  it('ages from the receive time of the oldest news not yet evaluated', () => {
    const backlog = new EvaluationBacklog();
    backlog.news('car-1', s(10));
    backlog.news('car-1', s(5));
    backlog.news('car-2', s(12));
    expect(backlog.byPartition(s(20)).get('all')).toEqual({ vehicles: 2, lagSeconds: 15 });
  });

  it('forgets a car once its cycle has committed, but keeps news that arrived during the cycle', () => {
    const backlog = new EvaluationBacklog();
    backlog.news('car-1', s(0));
    backlog.news('car-2', s(1));
    backlog.taken(['car-1', 'car-2']);
    backlog.news('car-2', s(8)); // arrives while the cycle runs
    backlog.settled(['car-1', 'car-2'], () => false);
    expect(backlog.byPartition(s(10)).get('all')).toEqual({ vehicles: 1, lagSeconds: 2 });
    backlog.taken(['car-2']);
    backlog.settled(['car-2'], () => false);
    expect(backlog.byPartition(s(10)).get('all')).toEqual({ vehicles: 0, lagSeconds: 0 });
  });

  it('keeps the wait of cars a cycle left for later (more pages, late data) and of a failed cycle', () => {
    const backlog = new EvaluationBacklog();
    backlog.news('car-1', s(0));
    backlog.news('car-2', s(3));
    backlog.taken(['car-1', 'car-2']);
    backlog.settled(['car-1'], () => true);
    backlog.failed(['car-2']);
    expect(backlog.byPartition(s(60)).get('all')).toEqual({ vehicles: 2, lagSeconds: 60 });
  });

  it('reports each partition apart, and one that has caught up at 0', () => {
    const backlog = new EvaluationBacklog((id) => (id.endsWith('1') ? 'p1' : 'p2'));
    backlog.news('car-1', s(0));
    backlog.news('car-2', s(5));
    backlog.taken(['car-2']);
    backlog.settled(['car-2'], () => false);
    expect(Object.fromEntries(backlog.byPartition(s(30)))).toEqual({
      p1: { vehicles: 1, lagSeconds: 30 },
      p2: { vehicles: 0, lagSeconds: 0 },
    });
  });

  it('reports the partitions held at 0 before any news, and drops those let go with their waiting cars', () => {
    const backlog = new EvaluationBacklog((id) => (id.endsWith('1') ? 'p1' : 'p2'));
    backlog.hold(['p1', 'p2', 'p3']);
    backlog.news('car-1', s(0));
    backlog.news('car-2', s(10));
    backlog.release(['p2', 'p3']);
    expect(Object.fromEntries(backlog.byPartition(s(20)))).toEqual({ p1: { vehicles: 1, lagSeconds: 20 } });
  });
});
