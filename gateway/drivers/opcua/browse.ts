import type { ClientSession, NodeId } from 'node-opcua';
import { Document, isMap, isSeq } from 'yaml';
import type { Datatype } from '../../../common/contracts/index.js';
import type { Opcua } from './monitoring.js';

/** A variable found in the address space, with what a parameter config needs. */
export interface BrowsedVariable {
  nodeId: string;
  /** Browse names from the start node, e.g. `R101/Measurements/ReactorTemperature`. */
  path: string;
  browseName: string;
  displayName: string;
  dataType: string;
  /** What the gateway would publish it as; undefined for arrays and structures (not supported). */
  datatype: Datatype | undefined;
  unit: string;
  range: { min: number; max: number } | undefined;
  writable: boolean;
}

const STRING_TYPES = new Set(['String', 'LocalizedText', 'DateTime', 'Guid', 'ByteString', 'QualifiedName', 'NodeId', 'XmlElement']);
const MAX_VARIABLES = 10_000;

/**
 * Walks the hierarchy below `start` (Objects by default, skipping the Server object) and describes every
 * variable: browse names, data type, unit (EngineeringUnits, OPC UA Part 8 §5.6.3) and EURange (§5.6.2).
 * Properties (HasProperty) are metadata, not parameters, and are not listed.
 */
export async function browseVariables(ua: Opcua, session: ClientSession, start?: string, maxDepth = 10): Promise<BrowsedVariable[]> {
  const root = start ?? 'ns=0;i=85'; // ObjectsFolder
  const found: { nodeId: NodeId; path: string; browseName: string; displayName: string }[] = [];
  const visited = new Set<string>([root]);
  let frontier: { nodeId: string; path: string }[] = [{ nodeId: root, path: '' }];
  for (let depth = 0; depth < maxDepth && frontier.length && found.length < MAX_VARIABLES; depth++) {
    const results = await ua.browseAll(session, frontier.map((f) => ({
      nodeId: f.nodeId, browseDirection: ua.BrowseDirection.Forward, referenceTypeId: ua.ReferenceTypeIds.HierarchicalReferences,
      includeSubtypes: true, nodeClassMask: ua.NodeClassMask.Object | ua.NodeClassMask.Variable, resultMask: 0x3f,
    })));
    const next: typeof frontier = [];
    results.forEach((result, i) => {
      for (const ref of result.references ?? []) {
        const id = ref.nodeId.toString();
        if (visited.has(id) || ref.referenceTypeId.value === ua.ReferenceTypeIds.HasProperty && ref.referenceTypeId.namespace === 0) continue;
        if (!start && id === 'ns=0;i=2253') continue; // the Server object: diagnostics, not equipment
        visited.add(id);
        const browseName = ref.browseName.name ?? id;
        const path = frontier[i]!.path ? `${frontier[i]!.path}/${browseName}` : browseName;
        if (ref.nodeClass === ua.NodeClass.Variable) found.push({ nodeId: ref.nodeId, path, browseName, displayName: ref.displayName.text ?? browseName });
        next.push({ nodeId: id, path });
      }
    });
    frontier = next;
  }
  return describeVariables(ua, session, found.slice(0, MAX_VARIABLES));
}

async function describeVariables(ua: Opcua, session: ClientSession, found: { nodeId: NodeId; path: string; browseName: string; displayName: string }[]): Promise<BrowsedVariable[]> {
  if (found.length === 0) return [];
  const A = ua.AttributeIds;
  const attributes = await session.read(found.flatMap((v) => [A.DataType, A.ValueRank, A.UserAccessLevel].map((attributeId) => ({ nodeId: v.nodeId, attributeId }))));
  const properties = await ua.browseAll(session, found.map((v) => ({
    nodeId: v.nodeId, browseDirection: ua.BrowseDirection.Forward, referenceTypeId: ua.ReferenceTypeIds.HasProperty, includeSubtypes: true, resultMask: 0x3f,
  })));
  const propertyIds = properties.map((p) => ({
    unit: p.references?.find((r) => r.browseName.name === 'EngineeringUnits')?.nodeId,
    range: p.references?.find((r) => r.browseName.name === 'EURange')?.nodeId,
  }));
  const propertyReads = propertyIds.flatMap((p) => [...(p.unit ? [p.unit] : []), ...(p.range ? [p.range] : [])]);
  const propertyValues = new Map<string, unknown>();
  if (propertyReads.length) {
    const values = await session.read(propertyReads.map((nodeId) => ({ nodeId, attributeId: A.Value })));
    values.forEach((dv, i) => propertyValues.set(propertyReads[i]!.toString(), dv.value?.value));
  }
  const dataTypeNames = await resolveDataTypeNames(ua, session, attributes.filter((_, i) => i % 3 === 0).map((dv) => dv.value?.value as NodeId | undefined));

  return found.map((v, i) => {
    const dataTypeId = attributes[i * 3]!.value?.value as NodeId | undefined;
    const valueRank = Number(attributes[i * 3 + 1]!.value?.value ?? -1);
    const access = Number(attributes[i * 3 + 2]!.value?.value ?? 0);
    const dataType = dataTypeId ? dataTypeNames.get(dataTypeId.toString()) ?? dataTypeId.toString() : 'Unknown';
    const eu = propertyIds[i]!.unit ? propertyValues.get(propertyIds[i]!.unit!.toString()) as { displayName?: { text?: string } } | undefined : undefined;
    const range = propertyIds[i]!.range ? propertyValues.get(propertyIds[i]!.range!.toString()) as { low?: number; high?: number } | undefined : undefined;
    return {
      nodeId: v.nodeId.toString(), path: v.path, browseName: v.browseName, displayName: v.displayName, dataType,
      datatype: valueRank > 0 ? undefined : datatypeOf(dataType),
      unit: eu?.displayName?.text ?? '',
      range: typeof range?.low === 'number' && typeof range.high === 'number' ? { min: range.low, max: range.high } : undefined,
      writable: (access & 0x02) !== 0, // AccessLevel bit 1: CurrentWrite (Part 3 §8.57)
    };
  });
}

/** Built-in types (ns=0, ids 1-25) by name; other types by their BrowseName. */
async function resolveDataTypeNames(ua: Opcua, session: ClientSession, ids: (NodeId | undefined)[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const unknown: NodeId[] = [];
  for (const id of ids) {
    if (!id || names.has(id.toString())) continue;
    const builtin = id.namespace === 0 && typeof id.value === 'number' ? ua.DataType[id.value] : undefined;
    if (builtin) names.set(id.toString(), builtin);
    else if (!unknown.some((u) => u.toString() === id.toString())) unknown.push(id);
  }
  if (unknown.length) {
    const values = await session.read(unknown.map((nodeId) => ({ nodeId, attributeId: ua.AttributeIds.BrowseName })));
    values.forEach((dv, i) => names.set(unknown[i]!.toString(), (dv.value?.value as { name?: string } | undefined)?.name ?? unknown[i]!.toString()));
  }
  return names;
}

function datatypeOf(dataType: string): Datatype | undefined {
  if (dataType === 'Boolean') return 'boolean';
  if (STRING_TYPES.has(dataType)) return 'string';
  if (/^(S?Byte|U?Int(16|32|64)|Float|Double|Number|Integer|UInteger|Decimal)$/.test(dataType)) return 'number';
  return undefined;
}

/** Turns `--nodes` patterns (globs over browse paths, `*` within a level, `**` across levels, or exact node ids) into a filter. */
export function nodeFilter(patterns: string[]): (v: BrowsedVariable) => boolean {
  if (patterns.length === 0) return () => true;
  const regexes = patterns.map((p) => new RegExp(`^${p.split('**').map((part) => part.split('*').map(escapeRegex).join('[^/]*')).join('.*')}$`));
  return (v) => patterns.includes(v.nodeId) || regexes.some((r) => r.test(v.path));
}

const escapeRegex = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** Parameter ids are snake_case browse names, made unique with their parent's name. */
export function parameterIds(variables: BrowsedVariable[]): string[] {
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z][a-z])/g, '$1_$2').toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^[_-]+|_+$/g, '').slice(0, 64) || 'parameter';
  const ids: string[] = [];
  for (const v of variables) {
    let id = snake(v.browseName);
    if (ids.includes(id)) id = snake(v.path.split('/').slice(-2).join('_'));
    for (let n = 2; ids.includes(id); n++) id = `${snake(v.browseName).slice(0, 60)}_${n}`;
    ids.push(id);
  }
  return ids;
}

/** A device block for the gateway config (gateway/drivers/opcua/README.md), ready to paste under `devices:`. */
export function configSnippet(endpointUrl: string, variables: BrowsedVariable[], security: { securityMode: string; securityPolicy?: string; username?: string }): string {
  const supported = variables.filter((v) => v.datatype);
  const ids = parameterIds(supported);
  const device: Record<string, unknown> = {
    id: 'my-equipment', name: 'My equipment', kind: '', protocol: 'opcua', endpointUrl, securityMode: security.securityMode,
    ...(security.securityMode !== 'None' && security.securityPolicy ? { securityPolicy: security.securityPolicy } : {}),
    ...(security.username ? { auth: { type: 'username', username: security.username, password: '${OPCUA_PASSWORD}' } } : {}),
    publishingIntervalMs: 1000, samplingIntervalMs: 1000,
    parameters: supported.map((v, i) => ({
      id: ids[i], name: v.displayName, ...(v.unit ? { unit: v.unit } : {}), nodeId: v.nodeId,
      ...(v.datatype !== 'number' ? { datatype: v.datatype } : {}), ...(v.range ? { range: v.range } : {}),
    })),
  };
  const skipped = variables.filter((v) => !v.datatype).map((v) => `# skipped ${v.nodeId} (${v.path}): ${v.dataType} arrays and structures are not supported\n`);
  // Parameters one per line, as in config/gateway.example.yaml.
  const doc = new Document([device]);
  const parameters = doc.getIn([0, 'parameters'], true);
  if (isSeq(parameters)) for (const item of parameters.items) if (isMap(item)) item.flow = true;
  return `${skipped.join('')}${doc.toString({ lineWidth: 0 })}`;
}
