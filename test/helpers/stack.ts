import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as start from './servers.js';
import type { TestApi } from './servers.js';

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

export type ApiCall = <T>(method: string, path: string, body?: unknown, token?: string) => Promise<T>;

/** JSON calls on the API, as the admin unless `token` says who; a reply other than 2xx throws, naming it. */
export function apiCaller(api: TestApi): ApiCall {
  return async <T>(method: string, path: string, body?: unknown, token?: string): Promise<T> => {
    const headers = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const res = await api.fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${await res.text()}`);
    return await res.json() as T;
  };
}

/** Waits for the example gateway's dryer-1 to reach the API: its birth comes a little after the stack is up. */
export const dryerRegistered = (api: TestApi) =>
  start.eventually('dryer-1 registered', async () => ((await api.fetch('/api/v1/equipment/dryer-1')).ok ? true : undefined));
