// fetch refuses a URL that carries credentials (`https://user:pass@host`), where curl and
// Prometheus' own clients send them as Basic authorization. Every URL a runbook hands to fetch
// (http.check, the http and prometheus measures, abortIf) goes through here, so credentials in it
// work the same everywhere; an Authorization header the runbook sets itself wins.

export interface PlainRequest {
  /** The URL without its credentials. */
  url: string;
  headers: Headers;
  /** What must never be shown: the password and the header made of it. */
  secrets: string[];
}

export function credentialsAsHeader(
  href: string,
  headersInit?: ConstructorParameters<typeof Headers>[0],
): PlainRequest {
  const url = new URL(href);
  const headers = new Headers(headersInit);
  if (url.username === '' && url.password === '') return { url: href, headers, secrets: [] };
  const password = decodeURIComponent(url.password);
  const basic = Buffer.from(`${decodeURIComponent(url.username)}:${password}`).toString('base64');
  if (!headers.has('authorization')) headers.set('authorization', `Basic ${basic}`);
  url.username = '';
  url.password = '';
  return { url: url.href, headers, secrets: [password, basic].filter((s) => s !== '') };
}
