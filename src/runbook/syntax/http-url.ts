/**
 * A URL that is fetched: parsed as the WHATWG URL standard says (the parser fetch itself uses), and
 * only http: or https:, since nothing else can be fetched. A URL the standard parses but a person did
 * not mean (`https:/host`) is normalised by it, so the check is also that the text names a host.
 */
import type { Syntax } from './syntax.ts';

const RULE = 'must be an http:// or https:// URL';

export const httpUrl: Syntax = {
  name: 'http-url',
  check(text) {
    if (/\s/.test(text)) return `${RULE} without spaces, got ${JSON.stringify(text)}`;
    const url = URL.parse(text);
    if (url === null) return `${RULE}, got ${JSON.stringify(text)}`;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return `${RULE}, got ${JSON.stringify(text)} (scheme ${url.protocol.slice(0, -1)})`;
    }
    if (!/^https?:\/\/[^/?#]/i.test(text))
      return `${RULE} with a host, like https://example.com/path, got ${JSON.stringify(text)}`;
    return undefined;
  },
};
