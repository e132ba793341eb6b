import type { ClientSession, NodeId, NumericRange } from 'node-opcua';
import type { OpcuaParameter } from './config.js';
import type { Opcua } from './monitoring.js';

/** A parameter's node as this server knows it: `nsu=` resolved to the server's namespace index. */
export interface ResolvedNode { nodeId: NodeId; indexRange?: NumericRange }

export interface Resolution {
  nodes: Map<string, ResolvedNode>;
  /** Parameters whose node cannot be read as configured, with the reason (a part fault, not a device fault). */
  refused: { parameter: OpcuaParameter; reason: string }[];
  /** The resolved node ids, to see whether a reconnect changed them. */
  signature: string;
}

const NAMESPACE_ARRAY = 'ns=0;i=2255'; // Server_NamespaceArray, Part 5 §6.3.1
const URI_FORM = /^nsu=([^;]+);(.+)$/;

/**
 * Resolves every parameter's node for the connected server and checks that it exists and fits its config.
 * `nsu=<uri>` (Part 6 §5.3.1.10) names a namespace by URI because a server may give the same URI another
 * index after a restart or an update: the index is looked up in the server's NamespaceArray on every connect. One Read of ValueRank and ArrayDimensions (Part 3 §5.6.2) per node tells
 * unknown nodes and arrays without `indexRange` apart before they are monitored, so one wrong node makes only
 * that parameter bad.
 */
export async function resolveNodes(ua: Opcua, session: ClientSession, parameters: OpcuaParameter[]): Promise<Resolution> {
  const nodes = new Map<string, ResolvedNode>();
  const refused: Resolution['refused'] = [];
  const needsNamespaces = parameters.some((p) => URI_FORM.test(p.nodeId));
  const namespaces = needsNamespaces
    ? ((await session.read({ nodeId: NAMESPACE_ARRAY, attributeId: ua.AttributeIds.Value })).value?.value as string[] | null) ?? []
    : [];
  const candidates: { parameter: OpcuaParameter; nodeId: NodeId }[] = [];
  for (const parameter of parameters) {
    const uri = URI_FORM.exec(parameter.nodeId);
    const index = uri ? namespaces.indexOf(uri[1]!) : undefined;
    if (uri && index === -1) {
      refused.push({ parameter, reason: `namespace "${uri[1]}" is not in the server's NamespaceArray (${namespaces.join(', ')})` });
      continue;
    }
    try {
      candidates.push({ parameter, nodeId: ua.resolveNodeId(uri ? `ns=${index};${uri[2]}` : parameter.nodeId) });
    } catch (err) {
      refused.push({ parameter, reason: (err as Error).message });
    }
  }
  const A = ua.AttributeIds;
  const shapes = candidates.length
    ? await session.read(candidates.flatMap((c) => [A.ValueRank, A.ArrayDimensions, A.DataType].map((attributeId) => ({ nodeId: c.nodeId, attributeId }))))
    : [];
  candidates.forEach(({ parameter, nodeId }, i) => {
    const [rank, dims, type] = [shapes[i * 3]!, shapes[i * 3 + 1]!, shapes[i * 3 + 2]!];
    if (!rank.statusCode.isGood()) {
      refused.push({ parameter, reason: `${rank.statusCode.name} (${nodeId.toString()})` });
      return;
    }
    const valueRank = Number(rank.value?.value ?? -1);
    const dimensions = Array.from((dims.value?.value as ArrayLike<number> | null) ?? []);
    const shape = arrayShape(ua, type.value?.value as NodeId | undefined, valueRank, dimensions);
    // ValueRank (Part 3 §5.6.2): -1 scalar, >= 0 array of that many dimensions (0: one or more), -2/-3 any.
    if (valueRank >= 0 && !parameter.indexRange) {
      refused.push({ parameter, reason: `the node holds an array (${shape}); set indexRange to the element to publish, e.g. indexRange: "${Array.from({ length: Math.max(1, valueRank) }, () => '0').join(',')}"` });
    } else if (valueRank === -1 && parameter.indexRange) {
      refused.push({ parameter, reason: `the node holds a scalar; remove indexRange "${parameter.indexRange}"` });
    } else if (valueRank >= 1 && parameter.indexRange && parameter.indexRange.split(',').length !== valueRank) {
      refused.push({ parameter, reason: `indexRange "${parameter.indexRange}" does not fit the node's ${valueRank} dimension(s) (${shape})` });
    } else {
      nodes.set(parameter.id, parameter.indexRange ? { nodeId, indexRange: new ua.NumericRange(parameter.indexRange) } : { nodeId });
    }
  });
  const signature = JSON.stringify([...nodes].map(([id, n]) => [id, n.nodeId.toString(), n.indexRange?.toString()]));
  return { nodes, refused, signature };
}

/** `Double[4]`, `Double[2,3]`, `Double[]` (dimensions unknown) for a data type and its array shape. */
function arrayShape(ua: Opcua, dataType: NodeId | undefined, valueRank: number, dimensions: number[]): string {
  const name = dataType && dataType.namespace === 0 && typeof dataType.value === 'number' ? ua.DataType[dataType.value] ?? dataType.toString() : dataType?.toString() ?? 'Variant';
  return shapeName(name, valueRank, dimensions);
}

/** A data type name with its array shape: `Double` for a scalar, `Double[4]`, `Double[2,3]`, `Double[]` (dimensions unknown). */
export function shapeName(name: string, valueRank: number, dimensions: number[]): string {
  if (valueRank < 0) return name;
  const known = dimensions.length > 0 && dimensions.every((d) => d > 0);
  return `${name}[${known ? dimensions.join(',') : ''}]`;
}
