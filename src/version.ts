/** The hush release, used in the SSH identification line (`SSH-2.0-hush_<version>`). */
export const HUSH_VERSION = '0.1.0';
