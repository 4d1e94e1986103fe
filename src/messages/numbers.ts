/** Message numbers (RFC 4250 §4.1, RFC 8308, RFC 4254). Context-dependent ranges are noted. */
export const MSG = {
  DISCONNECT: 1,
  IGNORE: 2,
  UNIMPLEMENTED: 3,
  DEBUG: 4,
  SERVICE_REQUEST: 5,
  SERVICE_ACCEPT: 6,
  EXT_INFO: 7,
  NEWCOMPRESS: 8,
  KEXINIT: 20,
  NEWKEYS: 21,
  // 30-49: key-exchange-method specific; decoded by the method that owns them.
  KEX_FIRST: 30,
  KEX_LAST: 49,
  USERAUTH_REQUEST: 50,
  USERAUTH_FAILURE: 51,
  USERAUTH_SUCCESS: 52,
  USERAUTH_BANNER: 53,
  // 60-79: user-authentication-method specific.
  USERAUTH_METHOD_FIRST: 60,
  USERAUTH_METHOD_LAST: 79,
  GLOBAL_REQUEST: 80,
  REQUEST_SUCCESS: 81,
  REQUEST_FAILURE: 82,
  CHANNEL_OPEN: 90,
  CHANNEL_OPEN_CONFIRMATION: 91,
  CHANNEL_OPEN_FAILURE: 92,
  CHANNEL_WINDOW_ADJUST: 93,
  CHANNEL_DATA: 94,
  CHANNEL_EXTENDED_DATA: 95,
  CHANNEL_EOF: 96,
  CHANNEL_CLOSE: 97,
  CHANNEL_REQUEST: 98,
  CHANNEL_SUCCESS: 99,
  CHANNEL_FAILURE: 100,
} as const;

/** RFC 4251 §7 message number ranges. */
export function isTransportGeneric(n: number): boolean {
  return n >= 1 && n <= 19;
}
export function isKexMessage(n: number): boolean {
  return n >= 20 && n <= 49;
}
