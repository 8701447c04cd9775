export { acquireInfrastructure, externalInfrastructure, INTERNAL_MQTT_USER } from './infrastructure.js';
export type { Infrastructure } from './infrastructure.js';
export { startEmbeddedBroker } from './embedded-broker.js';
export type {
  BrokerAuthenticator,
  BrokerIdentity,
  EmbeddedBroker,
  IntakeMessage,
  TerminalIntake,
} from './embedded-broker.js';
export { embeddedDatabaseUrl, startEmbeddedPostgres } from './embedded-postgres.js';
export type { EmbeddedDatabase } from './embedded-postgres.js';
export { DEMO_REPLAY_SETTING, putSetting, settingOrCreate } from './settings.js';
export { InfraModule, INFRA } from './infra.module.js';
export { configOrExit, launch } from './launcher.js';
export type { AppStarter, LaunchOptions, StartedApp } from './launcher.js';
export { claimPorts, portClaims, portIsFree, PortTakenError } from './ports.js';
export type { PortClaim } from './ports.js';
export { quietMqttLog } from './mqtt-log.js';
export { BrokerAccountError, DynamicSecurity } from './dynamic-security.js';
