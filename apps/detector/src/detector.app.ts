import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '#app/config';
import { quietMqttLog, type Infrastructure, type StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { databaseCheck, watchDependency } from '#app/metrics';
import { DetectionEngine } from './detection/detection.engine.js';
import { exportDetectorMetrics } from './detection/detector-metrics.js';
import type { DetectorOptions } from './detection/detector.options.js';
import { DetectorModule } from './detector.module.js';
import { PartitionedHandoffServer } from './handoff-consumer/partitioned-handoff.server.js';

/**
 * The detector: evaluates the rules for the cars of the partitions it holds, hearing their positions from the
 * gateway's hand-off over MQTT (not yet listening).
 */
export async function createDetectorApp(
  config: AppConfig,
  infra: Infrastructure,
  options: Partial<DetectorOptions> = {},
): Promise<INestMicroservice> {
  const server = new PartitionedHandoffServer({
    ...quietMqttLog,
    url: infra.mqttUrl,
    username: infra.mqttUsername,
    password: infra.mqttPassword,
    clientId: `oversight-detector-${randomBytes(4).toString('hex')}`,
    subscribeOptions: { qos: 1 },
    reconnectPeriod: 1000,
  });
  return NestFactory.createMicroservice(DetectorModule.register(config, infra, options, server), {
    logger: config.logLevel === 'silent' ? false : new NestPinoLogger(),
    strategy: server,
  });
}

/** How often a car's state is saved, from the configuration. */
export function checkpointOptions(config: AppConfig): Partial<DetectorOptions> {
  const idle = config.detector.idleCheckpointSeconds;
  return {
    checkpointPositions: config.detector.checkpointPositions,
    // 0 turns the idle checkpoint off.
    idleCheckpointMs: idle === 0 ? 0 : idle * 1000,
  };
}

export async function startDetector(config: AppConfig, infra: Infrastructure): Promise<StartedApp> {
  const app = await createDetectorApp(config, infra, checkpointOptions(config));
  let broker = 'disconnected';
  const status = app.status.subscribe((s) => (broker = s));
  await app.listen();
  // Ready while it can read and write its state (the database) and hear the hand-off (the broker).
  const stop = [
    exportDetectorMetrics(app.get(DetectionEngine)),
    watchDependency('detector', 'database', databaseCheck(app.get(DataSource))),
    watchDependency('detector', 'broker', () => broker === 'connected'),
    () => status.unsubscribe(),
  ];
  return {
    name: 'detector',
    close: () => {
      for (const s of stop) s();
      return app.close();
    },
  };
}
