import { BROKER_DROPPED_TOPIC, ingestSubscriptions, retiringSubscriptions } from './subscriptions.js';

const PLAIN = ['telematics/v1/+/position', 'telematics/v1/+/positions', 'telematics/v1/+/status'];
const SHARED = PLAIN.map((filter) => `$share/gateways/${filter}`);

describe('what the gateway subscribes to', () => {
  it('alone: the terminal topics themselves and the dropped-message counter', () => {
    expect(ingestSubscriptions(undefined)).toEqual({ subscribe: [...PLAIN, BROKER_DROPPED_TOPIC], unsubscribe: [] });
  });

  it('in a group: the terminal topics through the group, giving up what a session that read alone still holds', () => {
    expect(ingestSubscriptions('gateways')).toEqual({
      subscribe: [...SHARED, BROKER_DROPPED_TOPIC],
      unsubscribe: PLAIN,
    });
  });

  it('retiring: nothing new, and every filter of its session given up', () => {
    expect(retiringSubscriptions('gateways')).toEqual({
      subscribe: [],
      unsubscribe: [...SHARED, ...PLAIN, BROKER_DROPPED_TOPIC],
    });
  });
});
