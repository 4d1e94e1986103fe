export { Reader } from './reader.js';
export { Writer, mpintBytes, encodeUtf8, concatBytes } from './writer.js';
