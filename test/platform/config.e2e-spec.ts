import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '#app/config';

const MAIN = join(process.cwd(), 'dist', 'apps', 'api', 'src', 'main.js');

function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('start-up refuses a bad configuration', () => {
  it('stops the API with a non-zero exit and names every bad variable', async () => {
    expect(existsSync(MAIN)).toBe(true);
    const { code, stderr } = await run({ PORT: 'abc', DATABASE_URL: 'mysql://x' });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toMatch(/PORT must be a whole number from 0 to 65535, got "abc"/);
    expect(stderr).toMatch(/DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
  });
});

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      mqttUrl: undefined,
      embeddedMqttPort: 1883,
      tzPolicy: 'Asia/Shanghai',
      adminPassword: undefined,
      detector: { partitions: 16, leaseSeconds: 15 },
    });
    expect(config.dataDir).toBe(join(process.cwd(), 'data'));
  });

  it('reads the operators’ variables', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/oversight',
      MQTT_URL: 'mqtt://broker:1883',
      EMBEDDED_MQTT_PORT: '2883',
      DATA_DIR: '/var/lib/oversight',
      ADMIN_PASSWORD: 'long-enough-password',
      TZ_POLICY: 'Asia/Urumqi',
      DETECTOR_PARTITIONS: '64',
      DETECTOR_LEASE_SECONDS: '30',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u@db:5432/oversight',
      mqttUrl: 'mqtt://broker:1883',
      embeddedMqttPort: 2883,
      dataDir: '/var/lib/oversight',
      adminPassword: 'long-enough-password',
      tzPolicy: 'Asia/Urumqi',
      detector: { partitions: 64, leaseSeconds: 30 },
    });
  });

  it.each([
    ['PORT', '70000', /PORT must be a whole number from 0 to 65535/],
    ['PORT', '3.5', /PORT must be a whole number/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must start with postgres:\/\//],
    ['DATABASE_URL', 'not a url', /DATABASE_URL is not a valid URL/],
    ['MQTT_URL', 'http://broker', /MQTT_URL must start with mqtt:\/\//],
    ['TZ_POLICY', 'Mars/Olympus', /TZ_POLICY must be an IANA time zone/],
    ['ADMIN_PASSWORD', 'short', /ADMIN_PASSWORD must be at least 12 characters/],
    ['ADMIN_PASSWORD', 'qwerty123456', /ADMIN_PASSWORD is one of the most common passwords/],
    ['OFFLINE_AFTER_SECONDS', '1', /OFFLINE_AFTER_SECONDS must be a whole number from 10/],
    ['AUDIT_SAMPLE_RATE', '0.05', /AUDIT_SAMPLE_RATE must not be below 0.1/],
    ['DETECTOR_PARTITIONS', '0', /DETECTOR_PARTITIONS must be a whole number from 1 to 1024/],
    ['DETECTOR_LEASE_SECONDS', '1', /DETECTOR_LEASE_SECONDS must be a whole number from 2 to 600/],
  ])('refuses %s=%j with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('takes the broker accounts administrator only with the broker and the service account it needs', () => {
    const dynsec = { MQTT_DYNSEC_USERNAME: 'admin', MQTT_DYNSEC_PASSWORD: 'secret' };
    expect(() => loadConfig({ MQTT_DYNSEC_USERNAME: 'admin' })).toThrow(
      /MQTT_DYNSEC_USERNAME and MQTT_DYNSEC_PASSWORD must be set together/,
    );
    expect(() => loadConfig(dynsec)).toThrow(/MQTT_URL must be set when MQTT_DYNSEC_USERNAME is/);
    expect(() => loadConfig({ ...dynsec, MQTT_URL: 'mqtt://b:1884' })).toThrow(
      /MQTT_USERNAME must be set when MQTT_DYNSEC_USERNAME is; MQTT_PASSWORD must be set/,
    );
    const config = loadConfig({ ...dynsec, MQTT_URL: 'mqtt://b:1884', MQTT_USERNAME: 'gw', MQTT_PASSWORD: 'pw' });
    expect(config.brokerAccounts).toEqual({ username: 'admin', password: 'secret' });
    expect(loadConfig({}).brokerAccounts).toBeUndefined();
  });

  it('reads the fuel check’s consumption as one figure or per category, and refuses anything else', () => {
    expect(loadConfig({}).fuel).toEqual({
      maxLPer100Km: { confidential_comms: 15, emergency: 15, law_enforcement: 15, special_technical: 15, general: 15 },
      toleranceL: 10,
    });
    expect(loadConfig({ FUEL_MAX_L_PER_100KM: '12.5' }).fuel.maxLPer100Km.general).toBe(12.5);
    const perCategory = loadConfig({ FUEL_MAX_L_PER_100KM: 'general=14, special_technical=25', FUEL_TOLERANCE_L: '5' });
    expect(perCategory.fuel).toMatchObject({
      toleranceL: 5,
      maxLPer100Km: { general: 14, special_technical: 25, emergency: 15 },
    });
    expect(() => loadConfig({ FUEL_MAX_L_PER_100KM: 'trucks=40' })).toThrow(
      /FUEL_MAX_L_PER_100KM must be a number of L\/100 km or category=number pairs separated by commas, got "trucks=40"/,
    );
  });

  it('reads the gateways’ shared-subscription group, and refuses one without a broker or a client id of its own', () => {
    expect(loadConfig({}).ingest.shareGroup).toBeUndefined();
    const broker = { MQTT_URL: 'mqtt://broker:1883' };
    expect(loadConfig({ ...broker, INGEST_CLIENT_ID: 'gw-2', INGEST_SHARE_GROUP: 'gateways' }).ingest).toMatchObject({
      clientId: 'gw-2',
      shareGroup: 'gateways',
    });
    expect(() => loadConfig({ INGEST_CLIENT_ID: 'gw-2', INGEST_SHARE_GROUP: 'gateways' })).toThrow(
      /INGEST_SHARE_GROUP needs MQTT_URL/,
    );
    expect(() => loadConfig({ ...broker, INGEST_SHARE_GROUP: 'gateways' })).toThrow(
      /INGEST_CLIENT_ID must be set, different for each gateway, when INGEST_SHARE_GROUP is/,
    );
    expect(() => loadConfig({ ...broker, INGEST_CLIENT_ID: 'gw-2', INGEST_SHARE_GROUP: 'gate/+' })).toThrow(
      /INGEST_SHARE_GROUP must be 1-64 characters of A-Z, a-z, 0-9, _ and -, got "gate\/\+"/,
    );
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(3);
    expect((error as ConfigError).problems.join('\n')).toMatch(/PORT[\s\S]*DATABASE_URL[\s\S]*LOG_LEVEL/);
  });
});
