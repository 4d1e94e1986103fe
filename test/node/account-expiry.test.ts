// pam_unix's account check on /etc/shadow lines: expired accounts and long-expired passwords stay out.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { accountState } from '../../src/node/account-expiry.js';
import { makeTempDir } from '../harness/peers.js';

const DAY = 86_400_000;

test('account expiry and password inactivity as pam_unix decides them', async (t) => {
  const dir = await makeTempDir(t);
  const shadow = join(dir.path, 'shadow');
  const today = 20_000; // days since 1970
  const now = today * DAY + 3_600_000;
  writeFileSync(
    shadow,
    [
      'plain:$y$hash:19990:0:99999:7:::',
      'gone:$y$hash:19990:0:99999:7::19999:',
      'lastday:$y$hash:19990:0:99999:7::20000:',
      'later:$y$hash:19990:0:99999:7::20001:',
      'stale:$y$hash:19900:0:30:7:10::', // changed 100 days ago, max 30 + 10 inactive
      'aging:$y$hash:19980:0:30:7:10::', // 20 days ago: within max
      'mustchange:$y$hash:0:0:99999:7:::', // forced change: a key login is not stopped here
      'locked:!$y$hash:19990:0:99999:7:::',
      '',
    ].join('\n'),
  );
  const state = (user: string) => accountState(user, now, shadow);
  assert.equal(state('plain'), undefined);
  assert.equal(state('gone'), 'expired');
  assert.equal(state('lastday'), 'expired', 'pam_unix: expired from the expiry day on');
  assert.equal(state('later'), undefined);
  assert.equal(state('stale'), 'inactive');
  assert.equal(state('aging'), undefined);
  assert.equal(state('mustchange'), undefined);
  assert.equal(state('locked'), undefined, 'a locked password stops password logins only (as with PAM)');
  assert.equal(state('nobody-here'), undefined);
  // The file is read again once it changes.
  writeFileSync(shadow, 'plain:$y$hash:19990:0:99999:7::19000:\n');
  assert.equal(state('plain'), 'expired');
});
