/**
 * Takes a gateway out of its shared-subscription group for good (`npm run gateway:retire`, with the environment
 * of the gateway being removed: its INGEST_CLIENT_ID and INGEST_SHARE_GROUP). The broker keeps giving a member's
 * share to its session while it is away, so a gateway that is just switched off leaves its share queued until
 * the session expires, and then lost. This resumes that session, gives up its filters (new messages go to the
 * other members), commits and acknowledges what the session still holds, ends the session and exits 0.
 */
import 'reflect-metadata';
import { configOrExit, launch } from '#app/infra';
import { announce } from '#app/logging';
import { createGatewayContext } from './gateway.app.js';
import { IngestService } from './ingest/ingest.service.js';

const config = configOrExit();
if (!config.ingest.shareGroup) {
  // Alone, the gateway is the only reader: giving up its filters would leave the terminals' messages to nobody.
  process.stderr.write('gateway:retire needs INGEST_SHARE_GROUP (and the INGEST_CLIENT_ID of the gateway to retire)\n');
  process.exit(1);
}

await launch(
  [
    async (settings, infra) => {
      const app = await createGatewayContext(settings, infra);
      void app
        .get(IngestService)
        .retired()
        .then(({ messages, accepted }) => {
          announce([
            `gateway ${settings.ingest.clientId} retired: ${messages} messages it still held committed and acknowledged ` +
              `(${accepted} positions stored); group ${settings.ingest.shareGroup} takes everything new`,
          ]);
          // The launcher's own stop: the app closes (its session ends) and the process exits 0.
          process.kill(process.pid, 'SIGTERM');
        });
      return { name: 'gateway (retiring)', close: () => app.close() };
    },
  ],
  { config: { ...config, jt808Port: 0, ingest: { ...config.ingest, retire: true } } },
);
