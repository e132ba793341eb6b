import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../common/runtime/data-dir.js';
import { z } from 'zod';
import { GatewayConfig } from './config.js';

export const GATEWAY_SCHEMA_FILE = join(PROJECT_ROOT, 'config', 'gateway.schema.json');

/**
 * JSON Schema of the gateway config for editor completion (yaml-language-server), generated from the zod
 * schema so the two never disagree. Input side: defaulted keys are optional, as a person writes the file.
 * Cross-field rules (unique ids, type/table pairs) are not representable; `pilothub check-config` has them.
 */
export function gatewayJsonSchema(): string {
  const schema = z.toJSONSchema(GatewayConfig, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, title: 'pilothub gateway configuration' }, null, 2)}\n`;
}

// `npm run schema` regenerates config/gateway.schema.json.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GATEWAY_SCHEMA_FILE, gatewayJsonSchema());
  process.stdout.write(`wrote ${GATEWAY_SCHEMA_FILE}\n`);
}
