import { parseJsonOrUndefined } from './json.ts';
import { decodeProtobuf, isProtobuf } from './protobuf.ts';

/**
 * A response's body as an object, read by its Content-Type: Kubernetes protobuf (./protobuf), else
 * JSON; undefined for no body, or JSON that does not parse (an error page, say). A protobuf body
 * that does not decode is an error: read as nothing, a list would silently be empty.
 */
export function decodeBody(contentType: string | undefined, body: Buffer): Promise<unknown> {
  if (body.length === 0) return Promise.resolve(undefined);
  if (isProtobuf(contentType)) return decodeProtobuf(body);
  return Promise.resolve(parseJsonOrUndefined(body.toString()));
}

/** A failure's body: its Status when that can be read, else its text. */
export async function failureBody(contentType: string | undefined, body: Buffer): Promise<unknown> {
  try {
    return (await decodeBody(contentType, body)) ?? body.toString();
  } catch {
    return body.toString();
  }
}
