import { describe, expect, it } from 'vitest';
import { isOneClickRequest } from '../../functions/respond/http.js';

const multipart = (boundary: string, parts: string) => `--${boundary}\r\n${parts}\r\n--${boundary}--\r\n`;
const FORM = 'multipart/form-data; boundary=XyZ';

describe('the one-click unsubscribe request (RFC 8058)', () => {
  it('is the URL-encoded body List-Unsubscribe=One-Click, whatever the content type says', () => {
    expect(isOneClickRequest('List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded')).toBe(true);
    expect(isOneClickRequest('List-Unsubscribe=One-Click', undefined)).toBe(true);
  });

  it('is the same single field sent as multipart/form-data', () => {
    expect(isOneClickRequest(multipart('XyZ', 'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click'), FORM)).toBe(true);
    expect(
      isOneClickRequest(multipart('a b', 'content-disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click'), 'multipart/form-data; boundary="a b"'),
    ).toBe(true);
  });

  it.each([
    ['an empty body', '', 'application/x-www-form-urlencoded'],
    ["the page's form", 't=1.sig&h=0&j=1', 'application/x-www-form-urlencoded'],
    ['the field among others', 'List-Unsubscribe=One-Click&t=1.sig', 'application/x-www-form-urlencoded'],
    ['another case', 'list-unsubscribe=one-click', 'application/x-www-form-urlencoded'],
    ['a trailing newline', 'List-Unsubscribe=One-Click\r\n', 'application/x-www-form-urlencoded'],
    ['multipart with another value', multipart('XyZ', 'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nNo'), FORM],
    [
      'multipart with a second field',
      `--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--XyZ\r\nContent-Disposition: form-data; name="h"\r\n\r\n1\r\n--XyZ--\r\n`,
      FORM,
    ],
    ['multipart under another boundary', multipart('Other', 'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click'), FORM],
    ['multipart without its content type', multipart('XyZ', 'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click'), undefined],
  ])('is not %s', (_, body, contentType) => {
    expect(isOneClickRequest(body, contentType)).toBe(false);
  });
});
