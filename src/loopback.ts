/**
 * A Host naming this machine (port optional). A web page that rebinds its own name to 127.0.0.1
 * still sends its own name as Host, so a check on Host keeps such pages out of loopback-only routes.
 */
export const LOOPBACK_HOSTS = /^(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0)(:\d+)?$/i;

/** A peer address on this machine. */
export const LOOPBACK_PEERS = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Hosts a URL may name for plain http: this machine's loopback. Not 0.0.0.0, a Host above (a server
 * listening on every interface is reached by it) but no address to connect to: Linux happens to
 * route it to this machine, other systems refuse it, and the configuration's message names these three.
 */
const LOOPBACK_DESTINATIONS = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

/**
 * Whether what is sent to `url` stays private: https, or plain http to this machine. A URL that
 * does not parse passes here, left to the schema's own URL check to refuse.
 */
export const httpsOrLoopback = (url: string): boolean => url.startsWith('https:') || !URL.canParse(url) || LOOPBACK_DESTINATIONS.test(new URL(url).host);

/** Whether `url` holds no user or password (`https://user:pass@host`), which would travel on with it. */
export const withoutUserInfo = (url: string): boolean => !/^[a-z]+:\/\/[^/?#]*@/i.test(url);
