// Kubernetes' protobuf encoding, for the list that dominates a plan at scale: every scheduled pod of
// the cluster. As JSON a pod is 1.6 times the bytes (4.3 KB against 2.6 KB in the bench), the API
// server spends more on it, and the CLI parses and collects all of it to keep a few fields. Read
// from protobuf, only the fields below are decoded; the wire format lets everything else be
// stepped over.
//
// The field numbers are those of k8s.io/api's and k8s.io/apimachinery's generated.proto, which
// Kubernetes keeps stable across releases (a number is never reused). Each message lists only the
// fields read; a decoded object is shaped as the JSON of the same object, with those fields only.
import type { V1Pod } from '@kubernetes/client-node';
import type protobufjs from 'protobufjs/light.js';
import { LazyModule } from '../lazy-module.ts';
import { mediaType } from './media-type.ts';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

export function isProtobuf(contentType: string | undefined): boolean {
  return mediaType(contentType) === PROTOBUF;
}

const string = (id: number) => ({ type: 'string', id });
const message = (type: string, id: number) => ({ type, id });
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const stringMap = (id: number) => ({ keyType: 'string', type: 'string', id });

const messagesJson = {
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
};

interface Wire {
  protobuf: typeof protobufjs;
  messages: protobufjs.Root;
}
/**
 * protobufjs and the messages, loaded at the first protobuf body: the commands that read none (and
 * every command's start-up) do not pay the 19 ms.
 */
const wire = new LazyModule<Wire>(async () => {
  const { default: protobuf } = await import('protobufjs/light.js');
  // int64 fields (a Time's seconds, a count) decode to plain numbers, not long.js objects.
  protobuf.util.Long = undefined as never;
  protobuf.configure();
  return { protobuf, messages: protobuf.Root.fromJSON(messagesJson) };
});

const MAGIC = Buffer.from('k8s\0', 'latin1');

/** Every Kubernetes protobuf body starts with MAGIC. */
function checkMagic(body: Uint8Array): void {
  if (!MAGIC.equals(body.subarray(0, MAGIC.length))) throw new Error('not a Kubernetes protobuf body');
}

/** A message of `type` (the next `length` bytes of a reader, or all of `bytes`), int64s as numbers. */
function readMessage(type: protobufjs.Type, bytes: Uint8Array | protobufjs.Reader, length?: number): Fields {
  return type.toObject(type.decode(bytes, length), { longs: Number });
}

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
export async function decodeProtobuf(body: Uint8Array): Promise<Fields> {
  checkMagic(body);
  const { messages } = await wire.get();
  const { typeMeta, raw } = readMessage(messages.lookupType('Unknown'), body.subarray(MAGIC.length)) as {
    typeMeta?: { apiVersion?: string; kind?: string };
    raw?: Uint8Array;
  };
  const kind = typeMeta?.kind ?? '';
  const shape = jsonShapes[kind];
  if (!shape) throw new Error(`cannot read a protobuf ${kind || 'object without a kind'}`);
  return { ...typeMeta, ...shape(readMessage(messages.lookupType(kind), raw ?? new Uint8Array())) };
}

const LENGTH_DELIMITED = 2;

/**
 * Reads a list of pods as its protobuf body arrives, chunk by chunk (a BodyReader of ./resilience),
 * keeping the pods `keep` wants, each shaped as its JSON (see decodeProtobuf): a list of every pod of
 * a big cluster is then never held whole (12000 pods are 32 MB), only the pods kept and the one
 * being read.
 */
export class PodListReader {
  readonly #wire: Wire;
  readonly #podType: protobufjs.Type;
  readonly #keep: (pod: V1Pod) => boolean;
  #pending = Buffer.alloc(0);
  /** Where in the envelope the next bytes are: before it, in it, inside its list. */
  #stage: 'magic' | 'envelope' | 'list' = 'magic';
  /** Bytes of the list still to come (the envelope's raw field). */
  #listLeft = 0;
  #failure: Error | undefined;
  /** Whether it took the last answer's body (a protobuf one); if not, the body was kept. */
  took = false;
  #kept: V1Pod[] = [];

  private constructor(wire: Wire, keep: (pod: V1Pod) => boolean) {
    this.#wire = wire;
    this.#podType = wire.messages.lookupType('Pod');
    this.#keep = keep;
  }

  static async create(keep: (pod: V1Pod) => boolean): Promise<PodListReader> {
    return new PodListReader(await wire.get(), keep);
  }

  /** A new answer's body begins (another attempt's, after a retry): what came before is dropped. */
  start(contentType: string | undefined): boolean {
    this.#pending = Buffer.alloc(0);
    this.#stage = 'magic';
    this.#failure = undefined;
    this.#kept = [];
    this.took = isProtobuf(contentType);
    return this.took;
  }

  push(chunk: Uint8Array): void {
    if (this.#failure !== undefined) return;
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    let used = 0;
    try {
      for (let step = this.#step(this.#pending); step > 0; step = this.#step(this.#pending.subarray(used))) {
        used += step;
      }
    } catch (error) {
      // Kept for end(): thrown while the body is read, it would pass for a failed connection.
      this.#failure = error instanceof Error ? error : new Error(String(error));
    }
    this.#pending = this.#pending.subarray(used);
  }

  /** The pods kept; throws unless the whole list was read. */
  end(): V1Pod[] {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#stage !== 'envelope' || this.#pending.length > 0) throw new Error('the list of pods ended early');
    return this.#kept;
  }

  /** Reads one field (or the magic number) from `bytes`: how many bytes it took, 0 if more must come. */
  #step(bytes: Buffer): number {
    if (this.#stage === 'magic') {
      if (bytes.length < MAGIC.length) return 0;
      checkMagic(bytes);
      this.#stage = 'envelope';
      return MAGIC.length;
    }
    const reader = this.#wire.protobuf.Reader.create(bytes);
    try {
      const tag = reader.uint32();
      const listField = tag >>> 3 === 2 && (tag & 7) === LENGTH_DELIMITED;
      if (this.#stage === 'envelope' && listField) {
        // The envelope's raw: the list itself, whose fields are read one by one, as they come.
        this.#listLeft = reader.uint32();
        if (this.#listLeft > 0) this.#stage = 'list';
        return reader.pos;
      }
      if (this.#stage === 'list' && listField) {
        const length = reader.uint32();
        if (reader.len - reader.pos < length) return 0;
        const pod = jsonPod(readMessage(this.#podType, reader, length)) as V1Pod;
        if (this.#keep(pod)) this.#kept.push(pod);
      } else {
        // The envelope's type (a PodList, as asked for) and encodings, the list's metadata.
        reader.skipType(tag & 7);
      }
    } catch (error) {
      // The bytes so far end inside this field.
      if (error instanceof RangeError) return 0;
      throw error;
    }
    if (this.#stage === 'list') {
      this.#listLeft -= reader.pos;
      if (this.#listLeft === 0) this.#stage = 'envelope';
    }
    return reader.pos;
  }
}
