// Kubernetes' protobuf encoding, for the list that dominates a plan at scale: every scheduled pod of
// the cluster. As JSON a pod is about three times the bytes (4.2 MB against 1.3 MB a page of 500 in
// the bench), the API server takes about twice as long to write it, and the CLI parses and collects
// all of it to keep a few fields. Read from protobuf, only the fields below are decoded; the wire
// format lets everything else be stepped over.
//
// The field numbers are those of k8s.io/api's and k8s.io/apimachinery's generated.proto, which
// Kubernetes keeps stable across releases (a number is never reused). Each message lists only the
// fields read; a decoded object is shaped as the JSON of the same object, with those fields only.
import protobuf from 'protobufjs/light.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

// int64 fields (a Time's seconds, a count) decode to plain numbers, not long.js objects.
protobuf.util.Long = undefined as never;
protobuf.configure();

const string = (id: number) => ({ type: 'string', id });
const message = (type: string, id: number) => ({ type, id });
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const stringMap = (id: number) => ({ keyType: 'string', type: 'string', id });

/** The messages, built at the first decode: start-up does not pay for them. */
let wire: protobuf.Root | undefined;
const messages = () =>
  (wire ??= protobuf.Root.fromJSON({
    nested: {
      // k8s.io/apimachinery/pkg/runtime
      Unknown: { fields: { typeMeta: message('TypeMeta', 1), raw: { type: 'bytes', id: 2 } } },
      TypeMeta: { fields: { apiVersion: string(1), kind: string(2) } },
      // k8s.io/apimachinery/pkg/apis/meta/v1
      ListMeta: {
        fields: { resourceVersion: string(2), continue: string(3), remainingItemCount: { type: 'int64', id: 4 } },
      },
      ObjectMeta: {
        fields: {
          name: string(1),
          namespace: string(3),
          uid: string(5),
          resourceVersion: string(6),
          deletionTimestamp: message('Time', 9),
          labels: stringMap(11),
          annotations: stringMap(12),
          ownerReferences: repeated('OwnerReference', 13),
        },
      },
      OwnerReference: {
        fields: {
          kind: string(1),
          name: string(3),
          uid: string(4),
          apiVersion: string(5),
          controller: { type: 'bool', id: 6 },
        },
      },
      Time: { fields: { seconds: { type: 'int64', id: 1 } } },
      Status: {
        fields: {
          status: string(2),
          message: string(3),
          reason: string(4),
          details: message('StatusDetails', 5),
          code: { type: 'int32', id: 6 },
        },
      },
      StatusDetails: {
        fields: {
          name: string(1),
          group: string(2),
          kind: string(3),
          causes: repeated('StatusCause', 4),
          retryAfterSeconds: { type: 'int32', id: 5 },
          uid: string(6),
        },
      },
      StatusCause: { fields: { reason: string(1), message: string(2), field: string(3) } },
      // k8s.io/api/core/v1
      PodList: { fields: { metadata: message('ListMeta', 1), items: repeated('Pod', 2) } },
      Pod: {
        fields: { metadata: message('ObjectMeta', 1), spec: message('PodSpec', 2), status: message('PodStatus', 3) },
      },
      PodSpec: { fields: { volumes: repeated('Volume', 1), nodeName: string(10) } },
      Volume: { fields: { name: string(1), volumeSource: message('VolumeSource', 2) } },
      VolumeSource: { fields: { emptyDir: message('EmptyDirVolumeSource', 2) } },
      EmptyDirVolumeSource: { fields: { medium: string(1) } },
      PodStatus: { fields: { phase: string(1), conditions: repeated('PodCondition', 2) } },
      PodCondition: { fields: { type: string(1), status: string(2) } },
    },
  }));

const MAGIC = Buffer.from('k8s\0', 'latin1');

type Fields = Record<string, unknown>;
interface WireTime {
  seconds?: number;
}

/** metav1.Time's JSON: RFC 3339 in UTC, whole seconds. */
function rfc3339(time: WireTime): string {
  return new Date((time.seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Where the JSON differs from the wire: times are strings, and a volume's source is inlined. */
const jsonShapes: Record<string, (object: Fields) => Fields> = {
  PodList: ({ items, ...rest }) => ({ ...rest, items: ((items ?? []) as Fields[]).map(jsonPod) }),
  Status: (status) => status,
};

function jsonPod({ metadata, spec, ...rest }: Fields): Fields {
  const { deletionTimestamp, ...meta } = (metadata ?? {}) as Fields;
  const { volumes, ...podSpec } = (spec ?? {}) as Fields;
  return {
    ...rest,
    metadata: deletionTimestamp ? { ...meta, deletionTimestamp: rfc3339(deletionTimestamp) } : meta,
    spec: volumes
      ? {
          ...podSpec,
          volumes: (volumes as Fields[]).map(({ volumeSource, ...volume }) => ({
            ...volume,
            ...(volumeSource as Fields),
          })),
        }
      : podSpec,
  };
}

/**
 * The object a protobuf body holds, shaped as its JSON (with `kind` and `apiVersion`), for the kinds
 * above: a list of pods, or the Status of a failure. Anything else is an error: this client asks
 * for protobuf only where it can read the answer.
 */
export function decodeProtobuf(body: Uint8Array): Fields {
  if (!MAGIC.equals(body.subarray(0, MAGIC.length))) throw new Error('not a Kubernetes protobuf body');
  const read = (type: protobuf.Type, bytes: Uint8Array) => type.toObject(type.decode(bytes), { longs: Number });
  const { typeMeta, raw } = read(messages().lookupType('Unknown'), body.subarray(MAGIC.length)) as {
    typeMeta?: { apiVersion?: string; kind?: string };
    raw?: Uint8Array;
  };
  const kind = typeMeta?.kind ?? '';
  const shape = jsonShapes[kind];
  if (!shape) throw new Error(`cannot read a protobuf ${kind || 'object without a kind'}`);
  return { ...typeMeta, ...shape(read(messages().lookupType(kind), raw ?? new Uint8Array())) };
}
