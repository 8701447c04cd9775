export { acquireInfrastructure, INTERNAL_MQTT_USER } from './infrastructure.js';
export type { Infrastructure } from './infrastructure.js';
export { startEmbeddedBroker } from './embedded-broker.js';
export type { BrokerAuthenticator, BrokerIdentity, EmbeddedBroker } from './embedded-broker.js';
export { startEmbeddedPostgres } from './embedded-postgres.js';
export { settingOrCreate } from './settings.js';
export { InfraModule, INFRA } from './infra.module.js';
export { launch } from './launcher.js';
export type { AppStarter, StartedApp } from './launcher.js';
