/** The media type a Content-Type names, without parameters: `application/json; charset=utf-8` is `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return contentType?.split(';')[0]?.trim() ?? '';
}
