/**
 * ssh_config keywords that name files and agent sockets: IdentityFile, IdentityAgent,
 * ForwardAgent, UserKnownHostsFile and GlobalKnownHostsFile. Their `%` tokens and `${VAR}`s
 * are expanded only when the configuration is resolved (ssh-config.ts), so where each was set
 * is kept for the errors found then.
 */
import { lineError } from './errors.js';
import { stringArg } from './keyword-args.js';
import type { OptionLine } from './ssh-config-options.js';
import { FLAG, setOnce, type Origin, type State } from './ssh-config-state.js';
import { dollarExpand, multistate, validEnvName } from './values.js';

const MAX_IDENTITY_FILES = 100;
const MAX_HOSTS_FILES = 32;

/** parse_agent_path checks for IdentityAgent and ForwardAgent. */
function checkAgentPath(arg: string, env: Readonly<Record<string, string | undefined>>): void {
  try {
    dollarExpand(arg, env);
  } catch {
    lineError(`Invalid environment expansion ${arg}.`);
  }
  if (arg.startsWith('$') && arg[1] !== '{' && !validEnvName(arg.slice(1))) lineError(`Invalid environment name ${arg}.`);
}

export function identityFile(c: OptionLine): void {
  const arg = stringArg(c.args);
  if (c.on) {
    const st = c.pass.state;
    if (st.identityFiles.length >= MAX_IDENTITY_FILES) lineError(`Too many identity files specified (max ${MAX_IDENTITY_FILES}).`);
    addIdentityFile(st, arg, !c.system, { file: c.d.file, line: c.d.line });
  }
}

function addIdentityFile(st: State, path: string, userProvided: boolean, origin: Origin): void {
  if (st.identityFiles.some((f) => f.userProvided === userProvided && f.path === path)) return;
  st.identityFiles.push({ path, userProvided, origin });
}

export function identityAgent(c: OptionLine): void {
  const arg = stringArg(c.args);
  checkAgentPath(arg, c.pass.opts.env ?? {});
  setOnce(c.pass, c.on, 'identityAgent', arg, c.d);
}

/** ForwardAgent yes/no, or an agent socket path (which also turns forwarding on). */
export function forwardAgent(c: OptionLine): void {
  const arg = c.args.next();
  if (arg === undefined || arg === '') lineError('missing argument.');
  const v = multistate(arg, FLAG);
  if (v !== undefined) {
    setOnce(c.pass, c.on, 'forwardAgent', v);
    return;
  }
  setOnce(c.pass, c.on, 'forwardAgent', true);
  checkAgentPath(arg, c.pass.opts.env ?? {});
  setOnce(c.pass, c.on, 'forwardAgentPath', arg, c.d);
}

/** UserKnownHostsFile and GlobalKnownHostsFile: the first line that sets the list wins. */
export function knownHostsFiles(c: OptionLine): void {
  const { key, args, on } = c;
  const st = c.pass.state;
  const list = key === 'userknownhostsfile' ? st.userKnownHostsFiles : st.globalKnownHostsFiles;
  const wasEmpty = list.length === 0;
  let i = 0;
  for (let arg = args.next(); arg !== undefined; arg = args.next()) {
    if (arg === '') lineError(`keyword ${key} empty argument`);
    if (arg.toLowerCase() === 'none' && (i > 0 || args.remaining > 0)) {
      lineError(`keyword ${key} "none" argument must appear alone.`);
    }
    i++;
    if (on && wasEmpty) {
      if (list.length >= MAX_HOSTS_FILES) lineError(`too many ${key} entries.`);
      list.push(arg);
      st.origins[key === 'userknownhostsfile' ? 'userKnownHostsFiles' : 'globalKnownHostsFiles'] = { file: c.d.file, line: c.d.line };
    }
  }
}
