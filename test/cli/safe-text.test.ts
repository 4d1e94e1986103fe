// Text chosen by the other side, printed by hushd (its log) and by hush (the user's terminal).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clip, logSafe, terminalSafe } from '../../src/cli/safe-text.js';

test('log lines as sshd encodes them: no line breaks, no escape sequences, backslashes doubled', () => {
  assert.equal(logSafe('root'), 'root');
  assert.equal(logSafe('evil\nFailed password for root'), 'evil\\nFailed password for root');
  assert.equal(logSafe('a\r\tb'), 'a\\r\\tb');
  assert.equal(logSafe('red\x1b[31m'), 'red\\033[31m');
  assert.equal(logSafe('nul\x00del\x7f'), 'nul\\000del\\177');
  assert.equal(logSafe('a\\n'), 'a\\\\n', 'a literal backslash-n stays distinguishable from an encoded newline');
  assert.equal(logSafe('é'), '\\303\\251', 'bytes outside ASCII in octal, as sshd in the C locale');
  assert.equal(logSafe('\u009b2J'), '\\302\\2332J', 'the C1 control sequence introducer');
});

test('terminal text as ssh filters it: printable text, newline and tab pass; controls are shown escaped', () => {
  assert.equal(terminalSafe('Welcome to host\n\tenjoy'), 'Welcome to host\n\tenjoy');
  assert.equal(terminalSafe('déjà vu 😀'), 'déjà vu 😀');
  assert.equal(terminalSafe('\x1b]0;owned\x07'), '\\033]0;owned\\007', 'no escape sequence reaches the terminal');
  assert.equal(terminalSafe('\u009b31m'), '\\302\\23331m');
  assert.equal(terminalSafe('line\r\nnext'), 'line\r\nnext', 'CR LF line ends pass');
  assert.equal(terminalSafe('Password:\rfake prompt'), 'Password:\\015fake prompt', 'a lone CR cannot overwrite the line');
  assert.equal(terminalSafe('abc\u202eexe.txt'), 'abc\\342\\200\\256exe.txt', 'bidirectional overrides are escaped');
  assert.equal(terminalSafe('a\u2028b'), 'a\\342\\200\\250b');
});

test('clip cuts a field to its length, as printf %.100s', () => {
  assert.equal(clip('x'.repeat(150), 100), 'x'.repeat(100));
  assert.equal(clip('short', 100), 'short');
});
