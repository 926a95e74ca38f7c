/** The public base URL of the pages, without a trailing slash. */
export const publicBase = (publicBaseUrl: string) => publicBaseUrl.replace(/\/+$/, '');

/**
 * The unsubscribe page and RFC 8058 one-click endpoint of an unsubscribe token: the one link every
 * email carries in its footer and its List-Unsubscribe header (surveys, notifications, announcements).
 */
export function unsubscribePageUrl(publicBaseUrl: string, unsubscribeToken: string): string {
  return `${publicBase(publicBaseUrl)}/u/${encodeURIComponent(unsubscribeToken)}`;
}
