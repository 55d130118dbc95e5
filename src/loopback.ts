/**
 * A Host naming this machine (port optional). A web page that rebinds its own name to 127.0.0.1
 * still sends its own name as Host, so a check on Host keeps such pages out of loopback-only routes.
 */
export const LOOPBACK_HOSTS = /^(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0)(:\d+)?$/i;

/** A peer address on this machine. */
export const LOOPBACK_PEERS = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
