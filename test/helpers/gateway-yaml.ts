/** Gateway YAML for one spray-dryer simulator polled every 100 ms, for tests that run a real gateway against it. */
export function dryerGatewayYaml(o: { gateway: string; site: string; device: string; mqttUrl: string; dryerPort: number; parameters: string[] }): string {
  return `gateway: { id: ${o.gateway}, site: ${o.site} }
mqtt: { url: "${o.mqttUrl}" }
devices:
  - id: ${o.device}
    name: Spray dryer
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: ${o.dryerPort} }
    pollIntervalMs: 100
    parameters:
${o.parameters.map((p) => `      - ${p}`).join('\n')}
`;
}
