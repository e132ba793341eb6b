import type { EquipmentRegistry } from '../live/equipment-registry.js';
import { conditionParameters, evaluateCondition, parseCondition } from './condition.js';

/**
 * What a condition an admin is typing evaluates to right now, with the values it read: the parser and evaluator
 * the run tracker uses (live.ts), but not its cache, since every keystroke is a new source. Unknown (null) when the
 * tracker would not decide either: the equipment is not announced, or offline or stale. Throws ConditionError.
 */
export function previewCondition(registry: EquipmentRegistry, equipmentId: string, source: string) {
  const node = parseCondition(source);
  const entry = registry.get(equipmentId);
  const announced = new Set(entry?.birth.parameters.map((p) => p.id) ?? []);
  const parameters = conditionParameters(node).map((id) => {
    const live = entry?.values.get(id);
    return { id, known: announced.has(id), value: live?.v ?? null, at: live?.t ?? null };
  });
  const unknownBecause = !entry ? 'not_announced' as const : !registry.isOnline(entry) ? 'offline' as const : null;
  const value = unknownBecause ? null : evaluateCondition(node, (id) => entry!.values.get(id)?.v);
  return { value, unknownBecause, parameters };
}
