import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as start from './servers.js';

export const EXAMPLE_GATEWAY_CONFIG = fileURLToPath(new URL('../../config/gateway.example.yaml', import.meta.url));

/** The walking skeleton end to end: influxd, broker, ingest, API, spray dryer and the example gateway. */
export async function fullStack(options: { timeZone?: string; gatewayYaml?: (yaml: string) => string } = {}) {
  const influx = await start.influxd();
  const mqtt = await start.broker();
  const ingest = await start.ingest({ mqttUrl: mqtt.url, influxUrl: influx.url, clientId: 'test-ingest' });
  const api = await start.api({ mqttUrl: mqtt.url, influxUrl: influx.url, timeZone: options.timeZone });
  const dryer = await start.sprayDryer();
  const yaml = readFileSync(EXAMPLE_GATEWAY_CONFIG, 'utf8');
  const gateway = await start.gateway(options.gatewayYaml ? options.gatewayYaml(yaml) : yaml, {
    PILOTHUB_MQTT_URL: mqtt.url, PILOTHUB_SIM_DRYER_PORT: String(dryer.port),
  });
  return { influx, mqtt, ingest, api, dryer, gateway };
}
