import type { TestApi } from '../support/test-app.js';

/** The calls a centre officer, unit clerks and members make in a purchase's life, through the real REST API. */
export function jointMeetingClient(api: TestApi, centre: string) {
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const client = {
    auth,
    async member(): Promise<{ id: string; token: string }> {
      const token = await api.tokenFor(['member']);
      const me = await api.http.get('/api/v1/auth/me').set(auth(token)).expect(200);
      return { id: me.body.id as string, token };
    },
    async request(clerk: string, body: Record<string, unknown> = {}): Promise<string> {
      const res = await api.http
        .post('/api/v1/purchase-requests')
        .set(auth(clerk))
        .send({
          category: 'general',
          count: 1,
          budgetCny: '150000.00',
          engineL: 1.5,
          justification: 'replaces a car with 300,000 km',
          ...body,
        })
        .expect(201);
      return res.body.id as string;
    },
    preReview: (id: string) =>
      api.http.post(`/api/v1/purchase-requests/${id}/pre-review`).set(auth(centre)).send({}).expect(200),
    async reviewed(clerk: string, body: Record<string, unknown> = {}): Promise<string> {
      const id = await client.request(clerk, body);
      await client.preReview(id);
      return id;
    },
    async meeting(memberIds: string[], title = 'Joint meeting on purchases'): Promise<string> {
      const res = await api.http
        .post('/api/v1/meetings')
        .set(auth(centre))
        .send({ title, scheduledAt: '2026-12-03T09:00:00+08:00', memberIds })
        .expect(201);
      return res.body.id as string;
    },
    async agenda(meetingId: string, requestId: string): Promise<string> {
      const res = await api.http
        .post(`/api/v1/meetings/${meetingId}/agenda`)
        .set(auth(centre))
        .send({ requestId })
        .expect(201);
      return res.body.agenda.find(
        (a: { requestId: string; withdrawnAt?: string }) => a.requestId === requestId && !a.withdrawnAt,
      ).id as string;
    },
    attend: (meetingId: string, present: string[], at?: string) =>
      api.http
        .post(`/api/v1/meetings/${meetingId}/attendance`)
        .set(auth(centre))
        .send(at ? { present, at } : { present }),
    vote: (meetingId: string, itemId: string, token: string, vote: string) =>
      api.http.post(`/api/v1/meetings/${meetingId}/items/${itemId}/votes`).set(auth(token)).send({ vote }),
    decide: (meetingId: string, itemId: string, body: Record<string, unknown> = {}) =>
      api.http.post(`/api/v1/meetings/${meetingId}/items/${itemId}/decide`).set(auth(centre)).send(body),
    get: (path: string, token = centre) => api.http.get(path).set(auth(token)),
    post: (path: string, body: Record<string, unknown> = {}, token = centre) =>
      api.http.post(path).set(auth(token)).send(body),
    /** Everyone present votes the same, then the item is decided. */
    async voteAndDecide(meetingId: string, itemId: string, voters: { token: string }[], vote: string) {
      for (const m of voters) await client.vote(meetingId, itemId, m.token, vote).expect(201);
      return client.decide(meetingId, itemId).expect(200);
    },
  };
  return client;
}
