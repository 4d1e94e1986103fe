// Codecs of session requests (RFC 4254 §6), terminal modes (§8), global requests (§§4, 7.1) and
// channel-open data (§§6.1, 6.3.2, 7.2; OpenSSH PROTOCOL §2.4), with known bytes and round trips
// through a connected pair.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeChannelOpenData,
  decodeDirectStreamlocal,
  decodeDirectTcpip,
  encodeChannelOpenData,
  encodeDirectStreamlocal,
  encodeDirectTcpip,
  encodeForwardedStreamlocal,
} from '../../src/connection/channel-types.js';
import {
  decodeGlobalRequest,
  decodeHostkeys,
  decodeTcpipForward,
  decodeTcpipForwardReply,
  encodeGlobalRequest,
  encodeHostkeys,
  encodeTcpipForward,
  encodeTcpipForwardReply,
} from '../../src/connection/global-requests.js';
import {
  decodeEnv,
  decodeExec,
  decodeExitSignal,
  decodeExitStatus,
  decodePtyRequest,
  decodeSessionRequest,
  decodeTerminalModes,
  decodeWindowChange,
  encodeBreak,
  encodeEnv,
  encodeExec,
  encodeExitSignal,
  encodeExitStatus,
  encodePtyRequest,
  encodeSessionRequest,
  encodeSignal,
  encodeSubsystem,
  encodeTerminalModes,
  encodeWindowChange,
  encodeXonXoff,
  TerminalModeOpcode,
  type SessionRequest,
} from '../../src/connection/session-requests.js';
import { WireError } from '../../src/errors.js';
import { encodeUtf8 } from '../../src/wire/writer.js';
import { ConnPair } from './pair.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('exit-status and exit-signal: known bytes, round trip, and over a channel', () => {
  assert.equal(hex(encodeExitStatus(42)), '0000002a');
  assert.equal(decodeExitStatus(Uint8Array.of(0, 0, 1, 0)), 256);
  assert.throws(() => decodeExitStatus(Uint8Array.of(0, 0, 1)), WireError);
  assert.throws(() => decodeExitStatus(Uint8Array.of(0, 0, 0, 1, 0)), WireError, 'trailing bytes');
  const sig = encodeExitSignal({ signal: 'KILL', coreDumped: true, message: 'killed', languageTag: 'en' });
  assert.equal(hex(sig), '000000044b494c4c01' + '000000066b696c6c6564' + '00000002656e');
  assert.deepEqual(decodeExitSignal(sig), { signal: 'KILL', coreDumped: true, message: 'killed', languageTag: 'en' });
  assert.deepEqual(decodeExitSignal(encodeExitSignal({ signal: 'SEGV' })), { signal: 'SEGV', coreDumped: false, message: '', languageTag: '' });

  const pair = new ConnPair();
  const { local, remote } = pair.open('client');
  pair.server.sendRequest(remote, 'exit-signal', false, encodeExitSignal({ signal: 'TERM', message: 'bye' }));
  pair.server.sendRequest(remote, 'exit-status', false, encodeExitStatus(3));
  pair.pump();
  const reqs = pair.drain('client', 'request');
  assert.deepEqual(reqs.map((r) => [r.id, r.requestType, r.wantReply]), [[local, 'exit-signal', false], [local, 'exit-status', false]]);
  assert.deepEqual(decodeSessionRequest(reqs[0]!.requestType, reqs[0]!.data), { type: 'exit-signal', signal: 'TERM', coreDumped: false, message: 'bye', languageTag: '' });
  assert.deepEqual(decodeSessionRequest(reqs[1]!.requestType, reqs[1]!.data), { type: 'exit-status', exitStatus: 3 });
  assert.equal(pair.take('client').length, 0, 'no reply to want-reply false');
});

test('terminal modes: encode from a list or a Map, decode with names', () => {
  const { VINTR, ECHO, ICANON, TTY_OP_ISPEED, TTY_OP_OSPEED, IUTF8 } = TerminalModeOpcode;
  const list = [
    { opcode: VINTR, value: 3 },
    { opcode: ECHO, value: 1 },
    { opcode: TTY_OP_ISPEED, value: 38400 },
  ];
  const bytes = encodeTerminalModes(list);
  assert.equal(hex(bytes), '01' + '00000003' + '35' + '00000001' + '80' + '00009600' + '00');
  assert.deepEqual(decodeTerminalModes(bytes), [
    { opcode: 1, name: 'VINTR', value: 3 },
    { opcode: 53, name: 'ECHO', value: 1 },
    { opcode: 128, name: 'TTY_OP_ISPEED', value: 38400 },
  ]);
  const fromMap = encodeTerminalModes(new Map<number | 'ICANON' | 'TTY_OP_OSPEED', number>([['ICANON', 0], [TTY_OP_OSPEED, 9600], [IUTF8, 1]]));
  assert.deepEqual(decodeTerminalModes(fromMap).map((m) => [m.name, m.value]), [['ICANON', 0], ['TTY_OP_OSPEED', 9600], ['IUTF8', 1]]);
  assert.equal(ICANON, 51);
  assert.deepEqual(decodeTerminalModes(new Uint8Array(0)), []);
  assert.deepEqual(decodeTerminalModes(Uint8Array.of(0)), []);
  assert.throws(() => encodeTerminalModes([{ opcode: 0, value: 1 }]), RangeError);
  assert.throws(() => encodeTerminalModes([{ opcode: 160, value: 1 }]), RangeError);
  assert.throws(() => encodeTerminalModes([{ opcode: 1, value: 2 ** 32 }]), RangeError);
  assert.throws(() => encodeTerminalModes(new Map([['NOT_A_MODE' as 'ECHO', 1]])), RangeError);
});

test('terminal modes: unknown opcodes keep their value, TTY_OP_END and opcodes 160-255 stop parsing', () => {
  // 99 and 150 have no name but take a uint32 (1-159); 200 stops parsing, so the garbage after it
  // (including a would-be truncated argument) is never read.
  const modes = Uint8Array.of(99, 0, 0, 0, 7, 150, 0xff, 0xff, 0xff, 0xff, 53, 0, 0, 0, 0, 200, 1, 2, 51, 0);
  assert.deepEqual(decodeTerminalModes(modes), [
    { opcode: 99, name: 'UNKNOWN_99', value: 7 },
    { opcode: 150, name: 'UNKNOWN_150', value: 0xffffffff },
    { opcode: 53, name: 'ECHO', value: 0 },
  ]);
  assert.deepEqual(decodeTerminalModes(Uint8Array.of(53, 0, 0, 0, 1, 0, 51, 0, 0)), [{ opcode: 53, name: 'ECHO', value: 1 }], 'bytes after TTY_OP_END are ignored');
  assert.deepEqual(decodeTerminalModes(Uint8Array.of(53, 0, 0, 0, 1)), [{ opcode: 53, name: 'ECHO', value: 1 }], 'a missing TTY_OP_END ends the stream');
  assert.throws(() => decodeTerminalModes(Uint8Array.of(53, 0, 0)), (e: unknown) => e instanceof WireError && /terminal modes/.test(e.message));
});

test('pty-req: round trip through the session request codecs and a channel', () => {
  const data = encodePtyRequest({ term: 'xterm-256color', cols: 80, rows: 24, widthPx: 640, heightPx: 480, modes: new Map([['ECHO', 1], ['ICANON', 1]]) });
  const pair = new ConnPair();
  const { local, remote } = pair.open('client');
  pair.client.sendRequest(local, 'pty-req', true, data);
  pair.pump();
  const [req] = pair.drain('server', 'request');
  assert.ok(req);
  assert.equal(req.requestType, 'pty-req');
  const pty = decodePtyRequest(req.data);
  assert.deepEqual(pty, {
    term: 'xterm-256color',
    cols: 80,
    rows: 24,
    widthPx: 640,
    heightPx: 480,
    modes: [
      { opcode: 53, name: 'ECHO', value: 1 },
      { opcode: 51, name: 'ICANON', value: 1 },
    ],
  });
  assert.deepEqual(decodeSessionRequest('pty-req', req.data), { type: 'pty-req', ...pty });
  pair.server.answerRequest(remote, req.requestId, true);
  pair.pump();
  assert.deepEqual(pair.drain('client', 'request-reply'), [{ type: 'request-reply', id: local, ok: true, requestType: 'pty-req' }]);
});

test('every session request round-trips; exec takes bytes that are not UTF-8', () => {
  const all: SessionRequest[] = [
    { type: 'pty-req', term: 'vt100', cols: 1, rows: 2, widthPx: 3, heightPx: 4, modes: [{ opcode: 53, name: 'ECHO', value: 0 }] },
    { type: 'x11-req', singleConnection: true, authProtocol: 'MIT-MAGIC-COOKIE-1', authCookie: 'abcdef', screenNumber: 0 },
    { type: 'env', name: 'LANG', value: 'C.UTF-8' },
    { type: 'shell' },
    { type: 'exec', command: Uint8Array.of(0x6c, 0x73, 0x20, 0xff, 0xfe) },
    { type: 'subsystem', name: 'sftp' },
    { type: 'window-change', cols: 132, rows: 43, widthPx: 0, heightPx: 0 },
    { type: 'xon-xoff', clientCanDo: true },
    { type: 'signal', signal: 'INT' },
    { type: 'exit-status', exitStatus: 255 },
    { type: 'exit-signal', signal: 'ABRT', coreDumped: true, message: '', languageTag: '' },
    { type: 'break', breakLength: 500 },
    { type: 'eow@openssh.com' },
    { type: 'keepalive@openssh.com' },
    { type: 'auth-agent-req@openssh.com' },
  ];
  for (const req of all) assert.deepEqual(decodeSessionRequest(req.type, encodeSessionRequest(req)), req, req.type);
  assert.equal(hex(encodeWindowChange({ cols: 80, rows: 24, widthPx: 0, heightPx: 0 })), '00000050000000180000000000000000');
  assert.deepEqual(decodeWindowChange(encodeWindowChange({ cols: 1, rows: 2, widthPx: 3, heightPx: 4 })), { cols: 1, rows: 2, widthPx: 3, heightPx: 4 });
  assert.equal(hex(encodeSignal('INT')), '00000003494e54');
  assert.equal(hex(encodeSubsystem('sftp')), '0000000473667470');
  assert.equal(hex(encodeXonXoff(false)), '00');
  assert.equal(hex(encodeBreak(1000)), '000003e8');
  assert.deepEqual(decodeExec(encodeExec('uname -a')), encodeUtf8('uname -a'));
  assert.deepEqual(decodeEnv(encodeEnv('TERM', 'xterm')), { name: 'TERM', value: 'xterm' });
  assert.equal(decodeSessionRequest('no-such-request', new Uint8Array(0)), undefined);
  assert.throws(() => decodeSessionRequest('shell', Uint8Array.of(0)), WireError, 'shell carries no data');
  assert.throws(() => decodeSessionRequest('env', Uint8Array.of(0, 0, 0, 9, 0x41)), WireError);
});

test('global request codecs: tcpip-forward with the bound port, no-more-sessions, keepalive, hostkeys', () => {
  const fwd = encodeTcpipForward('localhost', 0);
  assert.equal(hex(fwd), '000000096c6f63616c686f737400000000');
  assert.deepEqual(decodeTcpipForward(fwd), { address: 'localhost', port: 0 });
  assert.equal(decodeTcpipForwardReply(encodeTcpipForwardReply(40001)), 40001);
  assert.equal(decodeTcpipForwardReply(new Uint8Array(0)), undefined);
  assert.deepEqual(decodeGlobalRequest('cancel-tcpip-forward', encodeTcpipForward('', 8080)), { name: 'cancel-tcpip-forward', address: '', port: 8080 });
  assert.deepEqual(decodeGlobalRequest('no-more-sessions@openssh.com', new Uint8Array(0)), { name: 'no-more-sessions@openssh.com' });
  assert.deepEqual(decodeGlobalRequest('keepalive@openssh.com', new Uint8Array(0)), { name: 'keepalive@openssh.com' });
  const keys = [Uint8Array.of(1, 2, 3), Uint8Array.of(4)];
  assert.deepEqual(decodeHostkeys(encodeHostkeys(keys)), keys);
  assert.deepEqual(encodeGlobalRequest({ name: 'hostkeys-00@openssh.com', keys }), encodeHostkeys(keys));
  assert.deepEqual(decodeGlobalRequest('streamlocal-forward@openssh.com', encodeGlobalRequest({ name: 'streamlocal-forward@openssh.com', socketPath: '/tmp/s' })), {
    name: 'streamlocal-forward@openssh.com',
    socketPath: '/tmp/s',
  });
  assert.equal(decodeGlobalRequest('__proto__', new Uint8Array(0)), undefined);

  // tcpip-forward for port 0 over a pair: the server answers with the port it bound.
  const pair = new ConnPair();
  const id = pair.client.globalRequest('tcpip-forward', true, encodeTcpipForward('127.0.0.1', 0));
  pair.pump();
  const [req] = pair.drain('server', 'global-request');
  assert.ok(req);
  assert.deepEqual(decodeGlobalRequest(req.name, req.data), { name: 'tcpip-forward', address: '127.0.0.1', port: 0 });
  pair.server.answerGlobalRequest(req.requestId, true, encodeTcpipForwardReply(50022));
  pair.pump();
  const [reply] = pair.drain('client', 'global-reply');
  assert.equal(reply?.requestId, id);
  assert.equal(decodeTcpipForwardReply(reply!.data), 50022);
});

test('channel open codecs: session, direct-tcpip, forwarded-tcpip, x11, streamlocal', () => {
  const d = encodeDirectTcpip({ host: 'example.com', port: 22, originatorAddress: '10.0.0.1', originatorPort: 5555 });
  assert.equal(hex(d), '0000000b6578616d706c652e636f6d00000016' + '0000000831302e302e302e31' + '000015b3');
  assert.deepEqual(decodeDirectTcpip(d), { host: 'example.com', port: 22, originatorAddress: '10.0.0.1', originatorPort: 5555 });
  assert.equal(hex(encodeDirectStreamlocal('/s')), '000000022f73' + '00000000' + '00000000');
  assert.deepEqual(decodeDirectStreamlocal(encodeDirectStreamlocal('/run/x.sock')), { socketPath: '/run/x.sock', reserved: '', reservedPort: 0 });
  assert.deepEqual(decodeChannelOpenData('forwarded-streamlocal@openssh.com', encodeForwardedStreamlocal('/a')), {
    channelType: 'forwarded-streamlocal@openssh.com',
    socketPath: '/a',
    reserved: '',
  });
  const cases = [
    { channelType: 'session' as const },
    { channelType: 'forwarded-tcpip' as const, address: '0.0.0.0', port: 8080, originatorAddress: '1.2.3.4', originatorPort: 9 },
    { channelType: 'x11' as const, originatorAddress: '127.0.0.1', originatorPort: 6010 },
  ];
  for (const c of cases) assert.deepEqual(decodeChannelOpenData(c.channelType, encodeChannelOpenData(c)), c);
  assert.throws(() => decodeChannelOpenData('session', Uint8Array.of(1)), WireError);
  assert.equal(decodeChannelOpenData('constructor', new Uint8Array(0)), undefined);

  // Type-specific data travels both ways through the open.
  const pair = new ConnPair();
  const id = pair.client.openChannel('direct-tcpip', d);
  pair.pump();
  const [req] = pair.drain('server', 'open-request');
  assert.ok(req);
  assert.deepEqual(decodeChannelOpenData(req.channelType, req.typeSpecific), { channelType: 'direct-tcpip', ...decodeDirectTcpip(d) });
  pair.server.acceptChannel(req.id, { typeSpecific: Uint8Array.of(9, 9) });
  pair.pump();
  assert.deepEqual(pair.drain('client', 'open-confirmed'), [{ type: 'open-confirmed', id, typeSpecific: Uint8Array.of(9, 9) }]);
});
