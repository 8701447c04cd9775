import { fixedClock } from '#app/calendar';
import { insertFleet } from '../audits/fleet.js';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { jointMeetingClient } from './joint-meeting-client.js';

/**
 * Every refused purchase is in the figures: a request that breaks a standard comes to the meeting with
 * its flags and can only be rejected there, and counts as rejected and saved like any other; a request
 * its unit withdraws counts as withdrawn, never as saved. The figures are checked against what the test did.
 */
describe('flagged requests at the meeting, withdrawals, and the figures they make', () => {
  const clock = fixedClock('2026-11-20T01:00:00Z');
  let api: TestApi;
  let centre: string;
  let clerk: string;
  let inspector: string;
  let jm: ReturnType<typeof jointMeetingClient>;
  const m: { id: string; token: string }[] = [];
  const ids = () => m.map((x) => x.id);
  const status = async (id: string) => (await jm.get(`/api/v1/purchase-requests/${id}`)).body.status;

  beforeAll(async () => {
    api = await startTestApi({}, { clock });
    centre = await api.tokenFor(['centre']);
    inspector = await api.tokenFor(['inspector']);
    jm = jointMeetingClient(api, centre);
    const { unitId } = await insertFleet(api.db, { active: 9, quota: 11, name: 'Health bureau HB' });
    clerk = await api.tokenFor(['unit'], unitId);
    for (let i = 0; i < 3; i++) m.push(await jm.member());
  });
  afterAll(() => api.close());

  it('puts price, engine and quota breaches on the agenda with their flags, rejects them whatever the ballots, and counts them', async () => {
    // November: the requests come in and are pre-reviewed.
    const price = await jm.reviewed(clerk, { budgetCny: '850000.00', justification: 'an armoured SUV' });
    const engine = await jm.reviewed(clerk, { budgetCny: '160000.00', engineL: 2.5 });
    const approved = await jm.reviewed(clerk, { budgetCny: '150000.00' });
    const votedDown = await jm.reviewed(clerk, { budgetCny: '140000.00' });
    const quota = await jm.reviewed(clerk, { budgetCny: '120000.00', count: 3 });
    const withdrawnOnAgenda = await jm.reviewed(clerk, { budgetCny: '170000.00' });
    const withdrawnEarly = await jm.request(clerk, { budgetCny: '175000.00' });
    for (const [id, flags] of [
      [price, ['price']],
      [engine, ['engine']],
      [quota, ['quota']],
    ] as const) {
      const res = await jm.get(`/api/v1/purchase-requests/${id}`).expect(200);
      expect([res.body.status, res.body.preReview.failed]).toEqual(['pre_review_failed', flags]);
    }
    await jm
      .post(`/api/v1/purchase-requests/${withdrawnEarly}/withdraw`, { reason: 'bought a used car instead' }, clerk)
      .expect(200);

    // 3 December: the meeting.
    clock.set('2026-12-03T01:00:00Z');
    const meetingId = await jm.meeting(ids(), 'December joint meeting');
    const items = new Map<string, string>();
    for (const id of [price, engine, approved, votedDown, quota, withdrawnOnAgenda])
      items.set(id, await jm.agenda(meetingId, id));
    const before = await jm.get(`/api/v1/meetings/${meetingId}`).expect(200);
    expect(before.body.agenda.map((a: { flags: string[] }) => a.flags)).toEqual([
      ['price'],
      ['engine'],
      [],
      [],
      ['quota'],
      [],
    ]);
    // The unit takes one back before anyone is recorded present; a centre officer cannot do it for them.
    await jm
      .post(`/api/v1/purchase-requests/${withdrawnOnAgenda}/withdraw`, { reason: 'the old car passed its inspection' })
      .expect(403);
    const back = await jm
      .post(
        `/api/v1/purchase-requests/${withdrawnOnAgenda}/withdraw`,
        { reason: 'the old car passed its inspection' },
        clerk,
      )
      .expect(200);
    expect(back.body).toMatchObject({ status: 'withdrawn', withdrawnReason: 'the old car passed its inspection' });
    await jm.attend(meetingId, ids()).expect(200);
    // Once the meeting has begun, only the meeting can take an item off.
    const started = await jm
      .post(`/api/v1/purchase-requests/${votedDown}/withdraw`, { reason: 'too late now' }, clerk)
      .expect(409);
    expect(started.body.error).toBe('MEETING_STARTED');

    for (const [id, expected] of [
      [price, ['price']],
      [engine, ['engine']],
      [quota, ['quota']],
    ] as const) {
      const res = await jm.voteAndDecide(meetingId, items.get(id)!, m, 'approve');
      expect(res.body).toMatchObject({ decision: 'rejected', standardsBroken: expected, tally: { approve: 3 } });
    }
    expect((await jm.voteAndDecide(meetingId, items.get(approved)!, m, 'approve')).body.decision).toBe('approved');
    expect((await jm.voteAndDecide(meetingId, items.get(votedDown)!, m, 'reject')).body.decision).toBe('rejected');
    await jm
      .post(`/api/v1/meetings/${meetingId}/minutes`, { text: 'Five items decided, one withdrawn by its unit.' })
      .expect(200);
    await jm.post(`/api/v1/meetings/${meetingId}/close`).expect(200);
    expect(
      await Promise.all([price, engine, quota, approved, votedDown, withdrawnOnAgenda, withdrawnEarly].map(status)),
    ).toEqual(['rejected', 'rejected', 'rejected', 'approved', 'rejected', 'withdrawn', 'withdrawn']);
    const decidedTrail = await api.db.query(
      `SELECT data FROM history WHERE entity_type = 'purchase_request' AND entity_id = $1 AND action = 'rejected'`,
      [price],
    );
    expect(decidedTrail.rows[0].data.tally.standardsBroken).toEqual(['price']);

    // What the test did, in the figures: 1 meeting; 1 approved; 4 rejected (price 850,000 + engine 160,000
    // + quota 120,000 + voted down 140,000 = 1,270,000 saved); 2 withdrawn, not saved.
    const december = await jm.get('/api/v1/stats?year=2026&month=12', inspector).expect(200);
    expect(december.body.totals).toMatchObject({
      meetingsHeld: 1,
      requestsApproved: 1,
      requestsRejected: 4,
      requestsWithdrawn: 1,
      fundsSavedCny: '1270000.00',
    });
    const november = await jm.get('/api/v1/stats?year=2026&month=11', inspector).expect(200);
    expect(november.body.totals).toMatchObject({
      meetingsHeld: 0,
      requestsApproved: 0,
      requestsRejected: 0,
      requestsWithdrawn: 1,
      fundsSavedCny: '0.00',
    });
    const year = await jm.get('/api/v1/stats?year=2026', inspector).expect(200);
    expect(year.body.totals).toMatchObject({ requestsRejected: 4, requestsWithdrawn: 2, fundsSavedCny: '1270000.00' });
  });

  it('leaves a flagged request nowhere else to go: no approval path, and no second pre-review', async () => {
    const id = await jm.reviewed(clerk, { engineL: 3.0 });
    expect(await status(id)).toBe('pre_review_failed');
    const again = await jm.post(`/api/v1/purchase-requests/${id}/pre-review`).expect(409);
    expect(again.body.error).toBe('NOT_AWAITING_PRE_REVIEW');
    const meetingId = await jm.meeting(ids());
    const itemId = await jm.agenda(meetingId, id);
    await jm.attend(meetingId, ids()).expect(200);
    const res = await jm.voteAndDecide(meetingId, itemId, m, 'approve');
    expect(res.body).toMatchObject({ decision: 'rejected', standardsBroken: ['engine'] });
  });
});
