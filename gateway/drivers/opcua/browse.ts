import type { ClientSession, NodeId } from 'node-opcua';
import { Document, isMap, isSeq } from 'yaml';
import type { Datatype } from '../../../common/contracts/index.js';
import type { Opcua } from './monitoring.js';
import { shapeName } from './nodes.js';

/** A variable found in the address space, with what a parameter config needs. */
export interface BrowsedVariable {
  nodeId: string;
  /** Browse names from the start node, e.g. `R101/Measurements/ReactorTemperature`. */
  path: string;
  browseName: string;
  displayName: string;
  /** The data type with the array shape, e.g. `Double`, `Double[4]`. */
  dataType: string;
  /** What the gateway would publish it (each element of an array) as; undefined for structures (not supported). */
  datatype: Datatype | undefined;
  /** The dimensions of an array (0 where unknown); undefined for a scalar. */
  arrayDimensions: number[] | undefined;
  unit: string;
  range: { min: number; max: number } | undefined;
  /** The value when browsed (numbers of an array as an array); undefined for structures. */
  value: number | boolean | string | number[] | undefined;
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
  const ATTRIBUTES = [A.DataType, A.ValueRank, A.UserAccessLevel, A.ArrayDimensions, A.Value];
  const n = ATTRIBUTES.length;
  const attributes = await session.read(found.flatMap((v) => ATTRIBUTES.map((attributeId) => ({ nodeId: v.nodeId, attributeId }))));
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
  const dataTypeNames = await resolveDataTypeNames(ua, session, attributes.filter((_, i) => i % n === 0).map((dv) => dv.value?.value as NodeId | undefined));

  return found.map((v, i) => {
    const attribute = (k: number) => attributes[i * n + k]!.value?.value as unknown;
    const dataTypeId = attribute(0) as NodeId | undefined;
    const valueRank = Number(attribute(1) ?? -1);
    const access = Number(attribute(2) ?? 0);
    const name = dataTypeId ? dataTypeNames.get(dataTypeId.toString()) ?? dataTypeId.toString() : 'Unknown';
    const dimensions = Array.from((attribute(3) as ArrayLike<number> | null) ?? []);
    const eu = propertyIds[i]!.unit ? propertyValues.get(propertyIds[i]!.unit!.toString()) as { displayName?: { text?: string } } | undefined : undefined;
    const range = propertyIds[i]!.range ? propertyValues.get(propertyIds[i]!.range!.toString()) as { low?: number; high?: number } | undefined : undefined;
    return {
      nodeId: v.nodeId.toString(), path: v.path, browseName: v.browseName, displayName: v.displayName,
      dataType: shapeName(name, valueRank, dimensions),
      datatype: datatypeOf(name),
      // ValueRank (Part 3 §5.6.2): >= 0 is an array of one or more dimensions.
      arrayDimensions: valueRank >= 0 ? dimensions : undefined,
      unit: eu?.displayName?.text ?? '',
      range: typeof range?.low === 'number' && typeof range.high === 'number' ? { min: range.low, max: range.high } : undefined,
      value: plainValue(attribute(4)),
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

/** Arrays listed element by element in the snippet: one dimension, known and short; others are left to the reader. */
const MAX_SNIPPET_ELEMENTS = 32;
function elementCount(v: BrowsedVariable): number | undefined {
  const [n, ...more] = v.arrayDimensions ?? [];
  return n !== undefined && more.length === 0 && n > 0 && n <= MAX_SNIPPET_ELEMENTS ? n : undefined;
}

function plainValue(value: unknown): BrowsedVariable['value'] {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if ((Array.isArray(value) || ArrayBuffer.isView(value)) && Array.from(value as ArrayLike<unknown>).every((x) => typeof x === 'number')) return Array.from(value as ArrayLike<number>);
  return undefined;
}

/** A value outside the range the server declares: the EURange is wrong (or the process is), so it is not copied. */
export function outsideRange(v: BrowsedVariable): boolean {
  const values = typeof v.value === 'number' ? [v.value] : Array.isArray(v.value) ? v.value : [];
  return v.range !== undefined && values.some((x) => x < v.range!.min || x > v.range!.max);
}

/** A value as a person reads it in the browse table: six significant digits, arrays in brackets. */
export function formatValue(value: BrowsedVariable['value']): string {
  const one = (x: number | boolean | string) => (typeof x === 'number' ? String(Number(x.toPrecision(6))) : String(x));
  if (value === undefined) return '';
  return Array.isArray(value) ? `[${value.map(one).join(', ')}]` : one(value);
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
  const supported = variables.filter((v) => v.datatype && (!v.arrayDimensions || elementCount(v) !== undefined));
  const ids = parameterIds(supported);
  // An array becomes one parameter per element (indexRange), as the gateway reads it.
  const parameters = supported.flatMap((v, i): { v: BrowsedVariable; id: string; name: string; indexRange: string | undefined }[] => (v.arrayDimensions
    ? Array.from({ length: elementCount(v)! }, (_, e) => ({ v, id: `${ids[i]!.slice(0, 58)}_${e}`, name: `${v.displayName} [${e}]`, indexRange: String(e) }))
    : [{ v, id: ids[i]!, name: v.displayName, indexRange: undefined }]));
  const device: Record<string, unknown> = {
    id: 'my-equipment', name: 'My equipment', kind: '', protocol: 'opcua', endpointUrl, securityMode: security.securityMode,
    ...(security.securityMode !== 'None' && security.securityPolicy ? { securityPolicy: security.securityPolicy } : {}),
    ...(security.username ? { auth: { type: 'username', username: security.username, password: '${OPCUA_PASSWORD}' } } : {}),
    publishingIntervalMs: 1000, samplingIntervalMs: 1000,
    parameters: parameters.map(({ v, id, name, indexRange }) => ({
      id, name, ...(v.unit ? { unit: v.unit } : {}), nodeId: v.nodeId, ...(indexRange ? { indexRange } : {}),
      ...(v.datatype !== 'number' ? { datatype: v.datatype } : {}), ...(v.range && !outsideRange(v) ? { range: { ...v.range } } : {}), // a copy each: no YAML aliases
    })),
  };
  const rangesLeftOut = supported.flatMap((v, i) => (outsideRange(v)
    ? [`# ${ids[i]}: EURange ${v.range!.min}..${v.range!.max} left out: the current value ${formatValue(v.value)} lies outside it; check which is wrong\n`]
    : []));
  const skipped = variables.filter((v) => !supported.includes(v)).map((v) => (v.datatype
    ? `# skipped ${v.nodeId} (${v.path}): a ${v.dataType} array; add one parameter per element with indexRange, e.g. indexRange: "${v.arrayDimensions!.map(() => '0').join(',') || '0'}"\n`
    : `# skipped ${v.nodeId} (${v.path}): ${v.dataType} structures are not supported\n`));
  // Parameters one per line, as in config/gateway.example.yaml.
  const doc = new Document([device]);
  const sequence = doc.getIn([0, 'parameters'], true);
  if (isSeq(sequence)) for (const item of sequence.items) if (isMap(item)) item.flow = true;
  return `${skipped.join('')}${rangesLeftOut.join('')}${doc.toString({ lineWidth: 0 })}`;
}
