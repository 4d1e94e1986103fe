/**
 * The child side of bench/isolated.ts: `node isolated-child.js MODULE_URL FUNCTION ARGS_JSON`
 * imports the module, awaits the exported function with the arguments and prints its result as
 * one JSON line.
 */
const [moduleUrl, fn, argsJson] = process.argv.slice(2);
const mod = (await import(moduleUrl!)) as Record<string, (...a: unknown[]) => unknown>;
const f = mod[fn!];
if (typeof f !== 'function') throw new Error(`${moduleUrl} exports no function ${fn}`);
const result = await f(...(JSON.parse(argsJson!) as unknown[]));
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
