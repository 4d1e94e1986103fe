/** The part of the ssh2 package's API the benchmarks use (it ships no TypeScript types). */
export interface Ssh2Lib {
  Client: new () => {
    on(e: string, f: (...a: never[]) => void): unknown;
    connect(o: object): void;
    exec(cmd: string, cb: (err: Error | undefined, s: NodeJS.ReadWriteStream & { stderr: NodeJS.ReadableStream }) => void): void;
    end(): void;
  };
  Server: new (o: object, onClient: (client: Ssh2ServerClient) => void) => { listen(port: number, host: string, cb: () => void): void; address(): { port: number }; close(): void };
}
export interface Ssh2ServerClient {
  on(e: string, f: (...a: never[]) => void): Ssh2ServerClient;
}
