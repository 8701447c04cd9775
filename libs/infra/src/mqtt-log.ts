/**
 * MQTT.js traces every packet through the `debug` package; even switched off, each call costs a lookup, a
 * few per message on the ingest path. The service's clients pass this option to skip them unless the
 * trace is asked for (`DEBUG=mqttjs*`).
 */
export const quietMqttLog: { log?: () => void } = /mqttjs/.test(process.env.DEBUG ?? '')
  ? {}
  : { log: () => undefined };
