import { startTestApi, type TestApi } from '../support/test-app.js';
import { insertFleet } from '../audits/fleet.js';

describe('purchase approval by the joint meeting', () => {
  let api: TestApi;
  let centre: string;
  let clerk: string;
  let otherClerk: string;
  let roomyClerk: string;
  let unitId: string;
  let otherUnitId: string;
  let carIds: string[];
  const members: { id: string; token: string }[] = [];
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function memberUser(): Promise<{ id: string; token: string }> {
    const token = await api.tokenFor(['member']);
    const me = await api.db.query<{ id: string }>('SELECT id FROM users ORDER BY created_at DESC LIMIT 1');
    return { id: me.rows[0].id, token };
  }

  async function request(token: string, body: Record<string, unknown> = {}, expected = 201) {
    const res = await api.http
      .post('/api/v1/purchase-requests')
      .set(auth(token))
      .send({
        category: 'general',
        count: 1,
        budgetCny: '150000.00',
        engineL: 1.5,
        justification: 'replaces a car with 300,000 km',
        ...body,
      })
      .expect(expected);
    return res.body;
  }

  /** A request of a unit with room in its quota, so approvals in one test leave the next one's checks alone. */
  async function passedRequest(body: Record<string, unknown> = {}): Promise<string> {
    const created = await request(roomyClerk, body);
    const res = await api.http
      .post(`/api/v1/purchase-requests/${created.id}/pre-review`)
      .set(auth(centre))
      .send({})
      .expect(200);
    expect(res.body.status).toBe('pre_review_passed');
    return created.id;
  }

  async function meeting(memberIds: string[]): Promise<string> {
    const res = await api.http
      .post('/api/v1/meetings')
      .set(auth(centre))
      .send({ title: 'Joint meeting on purchases', scheduledAt: '2026-12-03T09:00:00+08:00', memberIds })
      .expect(201);
    return res.body.id;
  }

  async function agenda(meetingId: string, requestId: string): Promise<string> {
    const res = await api.http
      .post(`/api/v1/meetings/${meetingId}/agenda`)
      .set(auth(centre))
      .send({ requestId })
      .expect(201);
    return res.body.agenda.find((a: { requestId: string }) => a.requestId === requestId).id;
  }

  const attend = (meetingId: string, present: string[]) =>
    api.http.post(`/api/v1/meetings/${meetingId}/attendance`).set(auth(centre)).send({ present });
  const vote = (meetingId: string, itemId: string, token: string, v: string) =>
    api.http.post(`/api/v1/meetings/${meetingId}/items/${itemId}/votes`).set(auth(token)).send({ vote: v });
  const decide = (meetingId: string, itemId: string) =>
    api.http.post(`/api/v1/meetings/${meetingId}/items/${itemId}/decide`).set(auth(centre));

  beforeAll(async () => {
    api = await startTestApi();
    ({ unitId, vehicleIds: carIds } = await insertFleet(api.db, { active: 4, quota: 5, name: 'Water bureau WB' }));
    ({ unitId: otherUnitId } = await insertFleet(api.db, { active: 1, quota: 2, name: 'Parks bureau PB' }));
    centre = await api.tokenFor(['centre']);
    clerk = await api.tokenFor(['unit'], unitId);
    otherClerk = await api.tokenFor(['unit'], otherUnitId);
    const { unitId: roomyUnitId } = await insertFleet(api.db, { active: 1, quota: 100, name: 'Roads bureau RB' });
    roomyClerk = await api.tokenFor(['unit'], roomyUnitId);
    for (let i = 0; i < 5; i++) members.push(await memberUser());
  });
  afterAll(async () => {
    // pool.end() resolves before its sockets have closed, and the forced drop of the database may reach one.
    api.db.on('error', () => undefined);
    await api.close();
  });

  describe('requests and pre-review', () => {
    it('takes a request from a unit clerk for their own unit only', async () => {
      const created = await request(clerk);
      expect(created).toMatchObject({ unitId, status: 'submitted', budgetCny: '150000.00', engineL: 1.5 });
      const foreign = await api.http
        .post('/api/v1/purchase-requests')
        .set(auth(clerk))
        .send({
          unitId: otherUnitId,
          category: 'general',
          count: 1,
          budgetCny: '1.00',
          engineL: 1,
          justification: 'sneaky',
        })
        .expect(403);
      expect(foreign.body.error).toBe('NOT_OWN_UNIT');
      await api.http.get(`/api/v1/purchase-requests/${created.id}`).set(auth(otherClerk)).expect(404);
      await api.http.post('/api/v1/purchase-requests').set(auth(centre)).send({}).expect(403);
    });

    it('names each malformed field of a request', async () => {
      const res = await api.http
        .post('/api/v1/purchase-requests')
        .set(auth(clerk))
        .send({ category: 'limousine', count: 0, budgetCny: '12.345', engineL: -1, justification: '' })
        .expect(400);
      const text = res.body.message.join(' ');
      for (const field of ['category', 'count', 'budgetCny', 'engineL', 'justification']) expect(text).toContain(field);
    });

    it('refuses to replace a car that is not an active car of the unit', async () => {
      const res = await request(clerk, { replacesVehicleId: '00000000-0000-4000-8000-000000000000' }, 400);
      expect(res.error).toBe('REPLACED_VEHICLE_INVALID');
    });

    it('passes pre-review within quota, price and engine standards and stores the check results', async () => {
      const created = await request(clerk, { replacesVehicleId: carIds[0], count: 2, budgetCny: '358000.00' });
      await api.http.post(`/api/v1/purchase-requests/${created.id}/pre-review`).set(auth(clerk)).send({}).expect(403);
      const res = await api.http
        .post(`/api/v1/purchase-requests/${created.id}/pre-review`)
        .set(auth(centre))
        .send({})
        .expect(200);
      expect(res.body.status).toBe('pre_review_passed');
      expect(res.body.preReview).toMatchObject({
        outcome: 'passed',
        failed: [],
        checks: {
          quota: { passed: true, unitQuota: 5, activeCars: 4, requested: 2, replaced: 1, afterPurchase: 5 },
          price: { passed: true, perCarCny: '179000.00', limitPerCarCny: '180000.00' },
          engine: { passed: true, engineL: 1.5, limitL: 1.8 },
        },
      });
      const again = await api.http
        .post(`/api/v1/purchase-requests/${created.id}/pre-review`)
        .set(auth(centre))
        .send({})
        .expect(409);
      expect(again.body.error).toBe('NOT_AWAITING_PRE_REVIEW');
    });

    it.each([
      ['quota', { count: 2 }],
      ['price', { budgetCny: '180000.01' }],
      ['engine', { engineL: 2.0 }],
    ])('fails pre-review on the %s check', async (check, body) => {
      const created = await request(clerk, body);
      const res = await api.http
        .post(`/api/v1/purchase-requests/${created.id}/pre-review`)
        .set(auth(centre))
        .send({})
        .expect(200);
      expect(res.body.status).toBe('pre_review_failed');
      expect(res.body.preReview.failed).toEqual([check]);
      expect(res.body.preReview.checks[check].passed).toBe(false);
    });

    it('applies a price and engine standard changed by an administrator', async () => {
      const admin = await api.tokenFor(['admin']);
      await api.http
        .put('/api/v1/purchase-requests/standards')
        .set(auth(centre))
        .send({ category: 'special_technical', priceLimitCny: '300000.00', engineLimitL: 2.5 })
        .expect(403);
      await api.http
        .put('/api/v1/purchase-requests/standards')
        .set(auth(admin))
        .send({ category: 'special_technical', priceLimitCny: '300000.00', engineLimitL: 2.5 })
        .expect(200, { priceLimitCny: '300000.00', engineLimitL: 2.5 });
      const created = await request(clerk, { category: 'special_technical', budgetCny: '260000.00', engineL: 2.4 });
      const res = await api.http
        .post(`/api/v1/purchase-requests/${created.id}/pre-review`)
        .set(auth(centre))
        .send({})
        .expect(200);
      expect(res.body.status).toBe('pre_review_passed');
      const standards = await api.http.get('/api/v1/purchase-requests/standards').set(auth(centre)).expect(200);
      expect(standards.body.general).toEqual({ priceLimitCny: '180000.00', engineLimitL: 1.8 });
    });
  });

  describe('the joint meeting', () => {
    it('accepts only users with the role member as members', async () => {
      const res = await api.http
        .post('/api/v1/meetings')
        .set(auth(centre))
        .send({
          title: 'Joint meeting',
          scheduledAt: '2026-12-03T09:00:00+08:00',
          memberIds: [members[0].id, '00000000-0000-4000-8000-000000000001'],
        })
        .expect(400);
      expect(res.body.error).toBe('NOT_ELIGIBLE_MEMBER');
    });

    it('puts a pre-reviewed request on the agenda once, one that failed a check with its flags', async () => {
      const meetingId = await meeting(members.map((m) => m.id));
      const unreviewed = await request(clerk);
      let res = await api.http
        .post(`/api/v1/meetings/${meetingId}/agenda`)
        .set(auth(centre))
        .send({ requestId: unreviewed.id })
        .expect(409);
      expect(res.body.error).toBe('NOT_PRE_REVIEWED');
      expect(res.body.message).toContain('submitted');
      const failed = await request(clerk, { engineL: 3 });
      await api.http.post(`/api/v1/purchase-requests/${failed.id}/pre-review`).set(auth(centre)).send({}).expect(200);
      res = await api.http
        .post(`/api/v1/meetings/${meetingId}/agenda`)
        .set(auth(centre))
        .send({ requestId: failed.id })
        .expect(201);
      expect(res.body.agenda.find((a: { requestId: string }) => a.requestId === failed.id).flags).toEqual(['engine']);
      const ok = await passedRequest();
      await agenda(meetingId, ok);
      res = await api.http
        .post(`/api/v1/meetings/${meetingId}/agenda`)
        .set(auth(centre))
        .send({ requestId: ok })
        .expect(409);
      expect(res.body.error).toBe('ALREADY_ON_AGENDA');
    });

    it('approves with a majority of the members present and records the tally, the minutes and the close', async () => {
      const meetingId = await meeting(members.map((m) => m.id));
      const requestId = await passedRequest();
      const itemId = await agenda(meetingId, requestId);
      await attend(
        meetingId,
        members.slice(0, 3).map((m) => m.id),
      ).expect(200);
      await vote(meetingId, itemId, members[0].token, 'approve').expect(201);
      await vote(meetingId, itemId, members[1].token, 'approve').expect(201);
      await vote(meetingId, itemId, members[2].token, 'reject').expect(201);
      const decided = await decide(meetingId, itemId).expect(200);
      expect(decided.body).toMatchObject({
        decision: 'approved',
        tally: { members: 5, present: 3, approve: 2, reject: 1, abstain: 0, notVoted: 0 },
      });
      const req = await api.http.get(`/api/v1/purchase-requests/${requestId}`).set(auth(roomyClerk)).expect(200);
      expect(req.body.status).toBe('approved');
      let close = await api.http.post(`/api/v1/meetings/${meetingId}/close`).set(auth(centre)).expect(409);
      expect(close.body.error).toBe('MINUTES_MISSING');
      await api.http
        .post(`/api/v1/meetings/${meetingId}/minutes`)
        .set(auth(centre))
        .send({ text: 'Three of five members present. Item 1 approved 2:1.' })
        .expect(200);
      close = await api.http.post(`/api/v1/meetings/${meetingId}/close`).set(auth(centre)).expect(200);
      expect(close.body).toMatchObject({ status: 'closed', minutes: expect.stringContaining('approved 2:1') });
      const late = await vote(meetingId, itemId, members[3].token, 'approve').expect(409);
      expect(late.body.error).toBe('MEETING_CLOSED');
      const history = await api.db.query(
        `SELECT action FROM history WHERE entity_type = 'meeting' AND entity_id = $1 ORDER BY seq`,
        [meetingId],
      );
      expect(history.rows.map((r) => r.action)).toEqual([
        'created',
        'agenda_item_added',
        'attendance_changed',
        'vote_cast',
        'vote_cast',
        'vote_cast',
        'item_decided',
        'minutes_recorded',
        'closed',
      ]);
    });

    it('rejects on a tie and refuses to close with an undecided item', async () => {
      const meetingId = await meeting(members.slice(0, 4).map((m) => m.id));
      const tieId = await agenda(meetingId, await passedRequest());
      const openId = await agenda(meetingId, await passedRequest());
      await attend(
        meetingId,
        members.slice(0, 4).map((m) => m.id),
      ).expect(200);
      await vote(meetingId, tieId, members[0].token, 'approve').expect(201);
      await vote(meetingId, tieId, members[1].token, 'approve').expect(201);
      await vote(meetingId, tieId, members[2].token, 'reject').expect(201);
      await vote(meetingId, tieId, members[3].token, 'reject').expect(201);
      const decided = await decide(meetingId, tieId).expect(200);
      expect(decided.body.decision).toBe('rejected');
      const again = await decide(meetingId, tieId).expect(409);
      expect(again.body.error).toBe('ALREADY_DECIDED');
      await api.http
        .post(`/api/v1/meetings/${meetingId}/minutes`)
        .set(auth(centre))
        .send({ text: 'Tie on item 1, rejected.' })
        .expect(200);
      const close = await api.http.post(`/api/v1/meetings/${meetingId}/close`).set(auth(centre)).expect(409);
      expect(close.body.error).toBe('UNDECIDED_ITEMS');
      expect(openId).toEqual(expect.any(String));
    });

    it('refuses a vote by a non-member, by an absent member, any ballot and a decision without quorum, and a second vote', async () => {
      const meetingId = await meeting(members.slice(0, 4).map((m) => m.id));
      const itemId = await agenda(meetingId, await passedRequest());
      // Two of four present is not more than half.
      await attend(meetingId, [members[0].id, members[1].id]).expect(200);
      let res = await vote(meetingId, itemId, members[4].token, 'approve').expect(403);
      expect(res.body.error).toBe('NOT_A_MEMBER');
      res = await vote(meetingId, itemId, centre, 'approve').expect(403);
      expect(res.body.message).toContain('member');
      res = await vote(meetingId, itemId, members[2].token, 'approve').expect(403);
      expect(res.body.error).toBe('NOT_PRESENT');
      res = await vote(meetingId, itemId, members[0].token, 'approve').expect(409);
      expect(res.body.error).toBe('NO_QUORUM');
      expect(res.body.message).toContain('2 of 4 present, 3 needed');
      res = await decide(meetingId, itemId).expect(409);
      expect(res.body.error).toBe('NO_QUORUM');
      // A late arrival makes the quorum; the ballot is taken.
      await attend(
        meetingId,
        members.slice(0, 3).map((m) => m.id),
      ).expect(200);
      await vote(meetingId, itemId, members[0].token, 'approve').expect(201);
      res = await vote(meetingId, itemId, members[0].token, 'reject').expect(409);
      expect(res.body.error).toBe('ALREADY_VOTED');
      res = await attend(await meeting([members[0].id]), [members[1].id]).expect(403);
      expect(res.body.error).toBe('NOT_A_MEMBER');
    });

    it('counts one vote per member even when the same vote is sent twice at once', async () => {
      const meetingId = await meeting(members.slice(0, 3).map((m) => m.id));
      const itemId = await agenda(meetingId, await passedRequest());
      await attend(
        meetingId,
        members.slice(0, 3).map((m) => m.id),
      ).expect(200);
      const [a, b] = await Promise.all([
        vote(meetingId, itemId, members[0].token, 'approve'),
        vote(meetingId, itemId, members[0].token, 'approve'),
      ]);
      expect([a.status, b.status].sort()).toEqual([201, 409]);
      const rows = await api.db.query('SELECT count(*)::int AS n FROM meeting_votes WHERE agenda_item_id = $1', [
        itemId,
      ]);
      expect(rows.rows[0].n).toBe(1);
    });

    it('treats abstentions as not approving: 1 approve, 1 abstain of 2 present rejects', async () => {
      const meetingId = await meeting(members.slice(0, 3).map((m) => m.id));
      const itemId = await agenda(meetingId, await passedRequest());
      await attend(
        meetingId,
        members.slice(0, 2).map((m) => m.id),
      ).expect(200);
      await vote(meetingId, itemId, members[0].token, 'approve').expect(201);
      await vote(meetingId, itemId, members[1].token, 'abstain').expect(201);
      const res = await decide(meetingId, itemId).expect(200);
      expect(res.body).toMatchObject({ decision: 'rejected', tally: { present: 2, approve: 1, abstain: 1 } });
    });
  });
});
