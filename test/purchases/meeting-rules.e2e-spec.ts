import { fixedClock } from '#app/calendar';
import { insertFleet } from '../audits/fleet.js';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { jointMeetingClient } from './joint-meeting-client.js';

/** No sequence of arrivals, ballots and decisions can strand a request. */
describe('joint meeting rules: attendance, quorum, ballots, withdrawal and adjournment', () => {
  const clock = fixedClock('2026-12-03T01:00:00Z'); // 09:00 in Beijing, the meeting's start
  let api: TestApi;
  let centre: string;
  let clerk: string;
  let jm: ReturnType<typeof jointMeetingClient>;
  const m: { id: string; token: string }[] = [];
  const ids = () => m.map((x) => x.id);
  const meetingHistory = async (id: string) =>
    (
      await api.db.query(
        `SELECT action, data FROM history WHERE entity_type = 'meeting' AND entity_id = $1 ORDER BY seq`,
        [id],
      )
    ).rows as { action: string; data: Record<string, unknown> }[];
  const requestStatus = async (id: string) => (await jm.get(`/api/v1/purchase-requests/${id}`)).body.status;

  beforeAll(async () => {
    api = await startTestApi({}, { clock });
    centre = await api.tokenFor(['centre']);
    jm = jointMeetingClient(api, centre);
    const { unitId } = await insertFleet(api.db, { active: 2, quota: 50, name: 'Sports bureau SB' });
    clerk = await api.tokenFor(['unit'], unitId);
    for (let i = 0; i < 5; i++) m.push(await jm.member());
  });
  afterAll(() => api.close());

  it('takes no ballot with 2 of 5 present, records a late arrival and an early departure with their times, then decides', async () => {
    const meetingId = await jm.meeting(ids());
    const requestId = await jm.reviewed(clerk);
    const itemId = await jm.agenda(meetingId, requestId);
    await jm.attend(meetingId, [m[0].id, m[1].id]).expect(200);
    const early = await jm.vote(meetingId, itemId, m[0].token, 'approve').expect(409);
    expect(early.body).toMatchObject({
      error: 'NO_QUORUM',
      message: expect.stringContaining('2 of 5 present, 3 needed'),
    });
    // The third member arrives at 09:40 and the ballots begin.
    await jm.attend(meetingId, [m[0].id, m[1].id, m[2].id], '2026-12-03T09:40:00+08:00').expect(200);
    for (const x of m.slice(0, 3)) await jm.vote(meetingId, itemId, x.token, 'approve').expect(201);
    // The fourth arrives at 10:00, then the second leaves at 10:30 having voted: their ballot is set aside.
    await jm.attend(meetingId, [m[0].id, m[1].id, m[2].id, m[3].id], '2026-12-03T10:00:00+08:00').expect(200);
    await jm.vote(meetingId, itemId, m[3].token, 'reject').expect(201);
    const room = await jm.attend(meetingId, [m[0].id, m[2].id, m[3].id], '2026-12-03T10:30:00+08:00').expect(200);
    expect(room.body.quorum).toEqual({ members: 5, present: 3, needed: 3 });
    expect(
      room.body.attendance.map((e: { userId: string; event: string; at: string }) => [e.userId, e.event, e.at]),
    ).toEqual([
      // Two arrivals at the same moment are listed in member-id order.
      ...[m[0].id, m[1].id].sort().map((u) => [u, 'arrived', '2026-12-03T01:00:00.000Z']),
      [m[2].id, 'arrived', '2026-12-03T01:40:00.000Z'],
      [m[3].id, 'arrived', '2026-12-03T02:00:00.000Z'],
      [m[1].id, 'left', '2026-12-03T02:30:00.000Z'],
    ]);
    clock.set('2026-12-03T02:45:00Z');
    const decided = await jm.decide(meetingId, itemId).expect(200);
    expect(decided.body).toMatchObject({
      decision: 'approved',
      tally: { members: 5, present: 3, approve: 2, reject: 1, abstain: 0, notVoted: 0, setAside: 1 },
    });
    expect(await requestStatus(requestId)).toBe('approved');
    const history = await meetingHistory(meetingId);
    expect(
      history.filter((h) => h.action === 'attendance_changed').map((h) => [h.data.at, h.data.arrived, h.data.left]),
    ).toEqual([
      ['2026-12-03T01:00:00.000Z', [m[0].id, m[1].id].sort(), []],
      ['2026-12-03T01:40:00.000Z', [m[2].id], []],
      ['2026-12-03T02:00:00.000Z', [m[3].id], []],
      ['2026-12-03T02:30:00.000Z', [], [m[1].id]],
    ]);
    // Attendance dated before the decision would change the room it was taken in.
    const rewrite = await jm.attend(meetingId, [m[0].id, m[2].id], '2026-12-03T10:40:00+08:00').expect(409);
    expect(rewrite.body.error).toBe('ATTENDANCE_BEFORE_DECISION');
    await jm.attend(meetingId, [m[0].id, m[2].id], '2026-12-03T10:50:00+08:00').expect(200);
  });

  it('decides only when every member present voted or abstained, or with a reason for closing the vote that is recorded', async () => {
    clock.set('2026-12-04T01:00:00Z');
    const meetingId = await jm.meeting(ids());
    const itemId = await jm.agenda(meetingId, await jm.reviewed(clerk));
    await jm.attend(meetingId, ids().slice(0, 4)).expect(200);
    for (const x of m.slice(0, 3)) await jm.vote(meetingId, itemId, x.token, 'approve').expect(201);
    const missing = await jm.decide(meetingId, itemId).expect(409);
    expect(missing.body.error).toBe('VOTES_MISSING');
    const usernames = (await jm.get(`/api/v1/meetings/${meetingId}`)).body.members as {
      userId: string;
      username: string;
    }[];
    expect(missing.body.message).toContain(`not voted: ${usernames.find((u) => u.userId === m[3].id)!.username}`);
    await jm.decide(meetingId, itemId, { closeVoteReason: '' }).expect(400);
    const closed = await jm
      .decide(meetingId, itemId, { closeVoteReason: 'the member declined to vote after two calls' })
      .expect(200);
    expect(closed.body).toMatchObject({
      decision: 'approved',
      closeVoteReason: 'the member declined to vote after two calls',
      tally: { present: 4, approve: 3, notVoted: 1, notVotedBy: [m[3].id] },
    });
    const item = (await jm.get(`/api/v1/meetings/${meetingId}`)).body.agenda[0];
    expect(item.voteClosedReason).toBe('the member declined to vote after two calls');
    const decidedEntry = (await meetingHistory(meetingId)).find((h) => h.action === 'item_decided')!;
    expect(decidedEntry.data.tally).toMatchObject({ closeVoteReason: 'the member declined to vote after two calls' });
  });

  it('withdraws an item from a meeting with a reason and decides the request at another meeting', async () => {
    clock.set('2026-12-05T01:00:00Z');
    const first = await jm.meeting(ids(), 'December meeting');
    const requestId = await jm.reviewed(clerk);
    const itemId = await jm.agenda(first, requestId);
    await jm.attend(first, ids().slice(0, 3)).expect(200);
    await jm.vote(first, itemId, m[0].token, 'approve').expect(201);
    await jm.post(`/api/v1/meetings/${first}/items/${itemId}/withdraw`, { reason: 'x' }).expect(400);
    const res = await jm
      .post(`/api/v1/meetings/${first}/items/${itemId}/withdraw`, { reason: 'the unit must first revise the budget' })
      .expect(200);
    expect(res.body.agenda[0]).toMatchObject({
      withdrawnReason: 'the unit must first revise the budget',
      decision: null,
    });
    expect(await requestStatus(requestId)).toBe('pre_review_passed');
    const late = await jm.vote(first, itemId, m[1].token, 'approve').expect(409);
    expect(late.body.error).toBe('ITEM_WITHDRAWN');
    const second = await jm.meeting(ids(), 'January meeting');
    const again = await jm.agenda(second, requestId);
    await jm.attend(second, ids().slice(0, 3)).expect(200);
    await jm.voteAndDecide(second, again, m.slice(0, 3), 'reject');
    expect(await requestStatus(requestId)).toBe('rejected');
    // The first meeting can close: its only item left it.
    await jm.post(`/api/v1/meetings/${first}/minutes`, { text: 'Item 1 withdrawn for a revised budget.' }).expect(200);
    await jm.post(`/api/v1/meetings/${first}/close`).expect(200);
    const trail = await api.db.query(
      `SELECT action FROM history WHERE entity_type = 'purchase_request' AND entity_id = $1 ORDER BY seq`,
      [requestId],
    );
    expect(trail.rows.map((r) => r.action)).toEqual([
      'submitted',
      'pre_review_passed',
      'on_agenda',
      'off_agenda',
      'on_agenda',
      'rejected',
    ]);
  });

  it.each(['adjourn', 'cancel'] as const)(
    '%s: a meeting ends with its reason, decided items stay decided and undecided ones await a meeting again',
    async (action) => {
      clock.set('2026-12-06T01:00:00Z');
      const meetingId = await jm.meeting(ids());
      const decidedRequest = await jm.reviewed(clerk);
      const pendingRequest = await jm.reviewed(clerk);
      const flaggedRequest = await jm.request(clerk, { engineL: 2.4 });
      await jm.preReview(flaggedRequest);
      const decidedItem = await jm.agenda(meetingId, decidedRequest);
      await jm.agenda(meetingId, pendingRequest);
      await jm.agenda(meetingId, flaggedRequest);
      await jm.attend(meetingId, ids().slice(0, 3)).expect(200);
      await jm.voteAndDecide(meetingId, decidedItem, m.slice(0, 3), 'approve');
      await jm.post(`/api/v1/meetings/${meetingId}/${action}`, {}).expect(400);
      const ended = await jm
        .post(`/api/v1/meetings/${meetingId}/${action}`, { reason: 'two members called to a flood emergency' })
        .expect(200);
      const status = action === 'adjourn' ? 'adjourned' : 'cancelled';
      expect(ended.body).toMatchObject({ status, endedReason: 'two members called to a flood emergency' });
      expect(
        ended.body.agenda.map((a: { decision: string | null; withdrawnReason: string | null }) => [
          a.decision,
          a.withdrawnReason,
        ]),
      ).toEqual([
        ['approved', null],
        [null, `meeting ${status}: two members called to a flood emergency`],
        [null, `meeting ${status}: two members called to a flood emergency`],
      ]);
      expect(await requestStatus(decidedRequest)).toBe('approved');
      expect(await requestStatus(pendingRequest)).toBe('pre_review_passed');
      expect(await requestStatus(flaggedRequest)).toBe('pre_review_failed');
      const refused = await jm.attend(meetingId, ids()).expect(409);
      expect(refused.body.error).toBe('MEETING_CLOSED');
      // Both requests go on the next meeting.
      const next = await jm.meeting(ids());
      await jm.agenda(next, pendingRequest);
      await jm.agenda(next, flaggedRequest);
      const history = await meetingHistory(meetingId);
      expect(history.map((h) => h.action).slice(-3)).toEqual(['item_withdrawn', 'item_withdrawn', status]);
      expect(history.at(-1)!.data).toMatchObject({ reason: 'two members called to a flood emergency' });
    },
  );
});
