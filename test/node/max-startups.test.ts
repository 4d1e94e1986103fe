// sshd's MaxStartups random early drop (sshd.c drop_connection()), as the server applies it at accept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pastMaxStartups } from '../../src/node/server.js';

test('MaxStartups begin:rate:full drops from begin with rate% rising to 100% at full; a number is a hard limit', () => {
  const limit = { begin: 10, rate: 30, full: 100 };
  // r is the random draw (0-99): dropped when r < p.
  const at = (startups: number, r: number) => pastMaxStartups(startups, limit, () => r);
  assert.equal(at(9, 0), false, 'below begin: never');
  assert.equal(at(10, 29), true, 'at begin: p = 30');
  assert.equal(at(10, 30), false);
  assert.equal(at(55, 64), true, 'half way: p = 30 + 70 * 45 / 90 = 65');
  assert.equal(at(55, 65), false);
  assert.equal(at(100, 99), true, 'at full: always');
  assert.equal(pastMaxStartups(4, 5, () => 0), false);
  assert.equal(pastMaxStartups(5, 5, () => 99), true, 'a number: a hard limit');
  assert.equal(pastMaxStartups(99, undefined, () => 0), false);
  assert.equal(pastMaxStartups(100, undefined, () => 99), true, 'default 100, hard');
  assert.equal(pastMaxStartups(3, { begin: 3, rate: 100, full: 10 }, () => 99), true, 'rate 100: hard at begin');
  // With the real random draw, between begin and full some connections go and some stay.
  let dropped = 0;
  for (let i = 0; i < 400; i++) if (pastMaxStartups(10, limit)) dropped++;
  assert.ok(dropped > 60 && dropped < 200, `about 30% of 400 dropped, got ${dropped}`);
});
