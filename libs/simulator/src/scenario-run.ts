import mqtt from 'mqtt';
import { addDays, zonedTime } from '#app/calendar';
import { terminalTopic } from '#app/telemetry';
import type { SimCar } from './car.js';
import { defaultPlanContext, type PlanContext } from './day-plan.js';
import { scenarioShape, type ScenarioAssignment, type ScenarioKind, type ScenarioShape } from './scenarios.js';
import { defaultEncoding, SimTerminal, type Encoding, type SimMessage } from './terminal.js';

export interface ScenarioRunInput {
  car: SimCar;
  kind: ScenarioKind;
  /** Local day (YYYY-MM-DD, Asia/Shanghai). */
  day: string;
  target?: ScenarioAssignment['target'];
  intervalSeconds?: number;
  encoding?: Encoding;
  /** Default: the day's local midnight. */
  from?: Date;
  /** Default: noon of the next local day (after the overnight-away car is back). */
  to?: Date;
  /** Working days; default the official schedules. */
  context?: Omit<PlanContext, 'scenarios'>;
}

/**
 * Every message one car's terminal would send while committing one scenario, fix times pinned to the given
 * day: a status `online` first, then the fixes every `intervalSeconds` (default 30) from `from` to `to`. Pure
 * and deterministic, for tests that feed them to the platform and expect the findings `shape` describes.
 */
export function scenarioMessages(input: ScenarioRunInput): { messages: SimMessage[]; shape: ScenarioShape } {
  const assignment: ScenarioAssignment = {
    kind: input.kind,
    terminalId: input.car.terminalId,
    day: input.day,
    target: input.target,
  };
  const base = input.context ?? defaultPlanContext();
  const context: PlanContext = { ...base, scenarios: [assignment] };
  const from = (input.from ?? zonedTime(input.day, '00:00')).getTime();
  const to = (input.to ?? zonedTime(addDays(input.day, 1), '12:00')).getTime();
  const terminal = new SimTerminal(input.car, {
    intervalSeconds: input.intervalSeconds ?? 30,
    encoding: input.encoding ?? defaultEncoding(input.car.terminalId),
    context,
  });
  const messages = [terminal.status(true, from), ...terminal.advance(to, from)];
  return { messages, shape: scenarioShape(input.car, assignment) };
}

/**
 * Publishes messages as the terminal would (QoS 1, in order) over its own MQTT connection, then closes it:
 * cleanly, or for a silent scenario by dropping the link so the broker publishes the will.
 */
export async function publishAsTerminal(
  mqttUrl: string,
  terminalId: string,
  secret: string,
  messages: readonly SimMessage[],
  options: { dropLink?: boolean } = {},
): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: terminalId,
    username: terminalId,
    password: secret,
    protocolVersion: 4,
    reconnectPeriod: 0,
    will: {
      topic: terminalTopic(terminalId, 'status'),
      payload: Buffer.from('{"online":false}'),
      qos: 1,
      retain: false,
    },
  });
  try {
    for (const message of messages) await client.publishAsync(message.topic, message.payload, { qos: 1 });
  } finally {
    if (options.dropLink) await client.endAsync(true);
    else await client.endAsync();
  }
}
