/**
 * A minimal ssh2-package server for the benchmark, run as its own process:
 *   node dist/bench/ssh2-server.js <hostKeyFile> <authorizedPublicKeyLine> [<ssh2 package directory>]
 * Publickey auth for that one key; `exec` runs the command with /bin/sh -c (a real process, as
 * hushd and sshd do). Prints "listening <port>" when ready.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [hostKeyFile, authorized, ssh2Dir] = process.argv.slice(2);
// The package as installed, or another copy of it (bench/ssh2-load.ts: without its native binding).
const ssh2: unknown = createRequire(import.meta.url)(ssh2Dir ?? 'ssh2');
const allowed = Buffer.from(authorized!.split(' ')[1]!, 'base64');
const lib = ssh2 as unknown as {
  Server: new (o: object, onClient: (c: EventEmitterLike) => void) => { listen(p: number, h: string, cb: () => void): void; address(): { port: number } };
};
interface EventEmitterLike {
  on(e: string, f: (...a: never[]) => void): EventEmitterLike;
}

const server = new lib.Server({ hostKeys: [readFileSync(hostKeyFile!)] }, (client) => {
  client
    .on('authentication', ((ctx: { method: string; key?: { data: Buffer }; signature?: Buffer; accept(): void; reject(methods?: string[]): void }) => {
      if (ctx.method === 'publickey' && ctx.key && ctx.key.data.equals(allowed)) ctx.accept();
      else ctx.reject(['publickey']);
    }) as never)
    .on('ready', (() =>
      client.on('session', ((accept: () => EventEmitterLike) => {
        accept().on('exec', ((acc: () => NodeJS.ReadWriteStream & { exit(c: number): void; stderr: NodeJS.WritableStream }, _rej: unknown, info: { command: string }) => {
          const stream = acc();
          const child = spawn('/bin/sh', ['-c', info.command], { stdio: ['pipe', 'pipe', 'pipe'] });
          child.stdout.pipe(stream, { end: false });
          child.stderr.pipe(stream.stderr, { end: false });
          stream.pipe(child.stdin);
          child.on('close', (code) => {
            stream.exit(code ?? 255);
            stream.end();
          });
        }) as never);
      }) as never)) as never)
    .on('error', (() => undefined) as never);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
