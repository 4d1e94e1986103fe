/**
 * User authentication messages, RFC 4252 §§5-8 and RFC 4256 §3. Numbers 60-79 depend on the
 * method in progress, so their codecs are named per method and decoded by the state that owns them.
 */
import { bool, bytes, message, nameList, rest, utf8 } from '../messages/codec.js';
import { MSG } from '../messages/numbers.js';
import { Writer } from '../wire/writer.js';

export const UserauthRequest = message(MSG.USERAUTH_REQUEST, 'SSH_MSG_USERAUTH_REQUEST', {
  user: utf8,
  service: utf8,
  method: utf8,
  methodData: rest,
});

export const UserauthFailure = message(MSG.USERAUTH_FAILURE, 'SSH_MSG_USERAUTH_FAILURE', {
  methods: nameList,
  partialSuccess: bool,
});

export const UserauthSuccess = message(MSG.USERAUTH_SUCCESS, 'SSH_MSG_USERAUTH_SUCCESS', {});

export const UserauthBanner = message(MSG.USERAUTH_BANNER, 'SSH_MSG_USERAUTH_BANNER', {
  message: utf8,
  languageTag: utf8,
});

/** RFC 4252 §7: the server accepts this key for authentication (60, during "publickey"). */
export const UserauthPkOk = message(60, 'SSH_MSG_USERAUTH_PK_OK', {
  algorithm: utf8,
  publicKey: bytes,
});

/** RFC 4252 §8: the password expired (60, during "password"). */
export const UserauthPasswdChangeReq = message(60, 'SSH_MSG_USERAUTH_PASSWD_CHANGEREQ', {
  prompt: utf8,
  languageTag: utf8,
});

/**
 * RFC 4252 §7: the data a publickey signature covers.
 *   string session identifier, byte 50, string user, string service, string "publickey",
 *   boolean TRUE, string algorithm, string public key blob
 */
export function publickeySignedData(sessionId: Uint8Array, user: string, service: string, algorithm: string, publicKey: Uint8Array): Uint8Array {
  return new Writer(256)
    .bytesString(sessionId)
    .u8(MSG.USERAUTH_REQUEST)
    .utf8(user)
    .utf8(service)
    .utf8('publickey')
    .bool(true)
    .utf8(algorithm)
    .bytesString(publicKey)
    .finish();
}
