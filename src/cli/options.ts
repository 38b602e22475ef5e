/**
 * Option machinery shared by every command. An option is declared once in a
 * command's table (zod schema, the words for what it accepts, default, kind,
 * optional short alias, help line); flags (`--kebab-case`), the environment
 * (`IOCP_ECHO_<NAME>`) and a JSON config file (camelCase keys) are derived
 * from that declaration and merged: defaults < file < environment < flags.
 * Every rejected value is reported with where it came from (`--port`,
 * `IOCP_ECHO_PORT`, `config.json: port`) and what is accepted; the CLI exits 2.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { z } from "zod";

export const VERSION = "0.1.0";

/** Arguments the CLI refuses; it prints `message` and exits 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface OptionSpec {
  schema: z.ZodType;
  /** What the schema accepts, in words: "an integer from 0 to 65535". */
  accepts: string;
  /** The default; `undefined` makes the option optional in the parsed values (unless `required`). */
  fallback: unknown;
  /** Refuse the command line when no source gives it (`bench --target`). */
  required?: boolean;
  /** How text from a flag or the environment is read before the schema sees it (default "text"): "number"
   * turns decimal text into a number (the schema decides whether fractions pass), "boolean" 1/true/0/false. */
  kind?: "text" | "number" | "boolean";
  /** One letter: `-c 10` as well as `--connections 10`. */
  short?: string;
  /** The placeholder in --help ("N", "MS"); booleans take none. */
  value?: string;
  /** The --help line; a "\n" continues it on an indented line. */
  help: string;
}

export type OptionTable = Record<string, OptionSpec>;

/** The parsed values of a table: each schema's output, `undefined` allowed where the default is (and not required). */
export type ValuesOf<T extends OptionTable> = {
  -readonly [K in keyof T]:
    | z.infer<T[K]["schema"]>
    | (T[K] extends { required: true } ? never : undefined extends T[K]["fallback"] ? undefined : never);
};

/** Where values may come from besides flags. Flags alone when empty (`bench`, `service install`). */
export interface Sources {
  /** Read `IOCP_ECHO_<NAME>` from this environment. */
  env?: Record<string, string | undefined>;
  /** Accept `--config FILE` (and `IOCP_ECHO_CONFIG` when `env` is given). */
  configFile?: boolean;
}

export type Parsed<T extends OptionTable> =
  | { kind: "help" }
  | { kind: "version" }
  /** `given` holds only what a source set explicitly, e.g. to write it to a config file. */
  | { kind: "run"; values: ValuesOf<T>; given: Partial<ValuesOf<T>> };

export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const flagOf = (name: string) => `--${kebab(name)}`;
export const envOf = (name: string) => `IOCP_ECHO_${kebab(name).replace(/-/g, "_").toUpperCase()}`;

const BOOLEAN_TEXT: Record<string, boolean> = { "1": true, true: true, "0": false, false: false };

/** Flags and environment give strings; numbers want plain decimals (no 0x, no exponent), booleans 1/true/0/false. */
function fromText(spec: OptionSpec, text: string): unknown {
  if (spec.kind === "number") return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : text;
  if (spec.kind === "boolean") return BOOLEAN_TEXT[text.trim().toLowerCase()] ?? text;
  return text;
}

function validate(spec: OptionSpec, raw: unknown, where: string, fromEnv = false): unknown {
  const result = spec.schema.safeParse(raw);
  if (result.success) return result.data;
  const accepts = fromEnv && spec.kind === "boolean" ? "1, true, 0 or false" : spec.accepts;
  throw new ConfigError(`${where}: must be ${accepts}; got ${JSON.stringify(raw)}`);
}

type FlagValues = Record<string, string | boolean | undefined>;
type ArgSpec = { type: "string" | "boolean"; short?: string };

function flagTable(table: OptionTable, configFile: boolean): Record<string, ArgSpec> {
  const args: Record<string, ArgSpec> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "v" },
  };
  for (const [name, spec] of Object.entries(table)) {
    args[kebab(name)] = { type: spec.kind === "boolean" ? "boolean" : "string" };
    if (spec.short !== undefined) args[kebab(name)]!.short = spec.short;
  }
  if (configFile) args.config = { type: "string" };
  return args;
}

/** node:util's parse errors, reworded to name the argument and what to do. */
function refusal(text: string, argv: string[]): ConfigError {
  const unknown = /^Unknown option '(.+)'$/s.exec(text);
  if (unknown) {
    // "-h=1" is read as the short options h, =, 1: name the whole argument.
    // Bun names some short options without their dash ("-' " gives "'").
    const option = unknown[1]!.startsWith("-") ? unknown[1]! : `-${unknown[1]}`;
    const whole = option.startsWith("--")
      ? undefined
      : argv.find((a) => /^-[^-]/.test(a) && a.includes(option.slice(1)));
    const named = whole !== undefined && whole !== option ? JSON.stringify(whole) : option;
    return new ConfigError(`unknown option ${named} (see --help)`);
  }
  const missing = /Option '(-\S+?)(?:, -\S+)?(?: <value>)?' argument missing/.exec(text);
  if (missing) return new ConfigError(`${missing[1]}: needs a value (see --help)`);
  const ambiguous = /Option '(-\S+?)(?:, -\S+)?' argument is ambiguous/.exec(text);
  if (ambiguous)
    return new ConfigError(`${ambiguous[1]}: a value starting with "-" must be written ${ambiguous[1]}=VALUE`);
  const noValue = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(text);
  if (noValue) return new ConfigError(`${noValue[1]}: takes no value`);
  const positional = /Unexpected argument '([^']*)'/.exec(text);
  if (positional) {
    return new ConfigError(`unexpected argument ${JSON.stringify(positional[1])}: options start with -- (see --help)`);
  }
  return new ConfigError(text);
}

function parseFlags(table: OptionTable, argv: string[], configFile: boolean): FlagValues {
  const options = flagTable(table, configFile);
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (error) {
    throw refusal(error instanceof Error ? error.message : String(error), argv);
  }
}

function readConfigFile(table: OptionTable, path: string, where: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(`${where}: cannot read ${JSON.stringify(path)} (${code})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${where}: ${JSON.stringify(path)} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ConfigError(`${where}: ${JSON.stringify(path)} must hold a JSON object of options`);
  }
  const names = Object.keys(table);
  for (const key of Object.keys(data)) {
    if (!Object.hasOwn(table, key)) {
      throw new ConfigError(`${path}: unknown option ${JSON.stringify(key)} (accepted: ${names.join(", ")})`);
    }
  }
  return data as Record<string, unknown>;
}

/** Values from the file, then the environment: the layers under the flags. */
function fileAndEnv(table: OptionTable, flags: FlagValues, sources: Sources): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  const { env } = sources;
  const flagPath = typeof flags.config === "string" ? flags.config : undefined;
  // An empty IOCP_ECHO_CONFIG counts as unset, like every other variable; an empty --config is refused.
  const envPath = env?.IOCP_ECHO_CONFIG === "" ? undefined : env?.IOCP_ECHO_CONFIG;
  const path = sources.configFile ? (flagPath ?? envPath) : undefined;
  if (path !== undefined) {
    const file = readConfigFile(table, path, flagPath !== undefined ? "--config" : "IOCP_ECHO_CONFIG");
    for (const [key, raw] of Object.entries(file)) given[key] = validate(table[key]!, raw, `${path}: ${key}`);
  }
  if (env === undefined) return given;
  for (const [name, spec] of Object.entries(table)) {
    const text = env[envOf(name)];
    if (text !== undefined && text !== "") given[name] = validate(spec, fromText(spec, text), envOf(name), true);
  }
  return given;
}

/** argv (after the command word) and the chosen sources -> the table's values, or a ConfigError. */
export function parseOptions<T extends OptionTable>(table: T, argv: string[], sources: Sources = {}): Parsed<T> {
  const flags = parseFlags(table, argv, sources.configFile === true);
  if (flags.help) return { kind: "help" };
  if (flags.version) return { kind: "version" };
  const given = fileAndEnv(table, flags, sources);
  for (const [name, spec] of Object.entries(table)) {
    const flag = flags[kebab(name)];
    if (typeof flag === "string") given[name] = validate(spec, fromText(spec, flag), flagOf(name));
    if (typeof flag === "boolean") given[name] = validate(spec, flag, flagOf(name));
  }
  for (const [name, spec] of Object.entries(table)) {
    if (spec.required && given[name] === undefined)
      throw new ConfigError(`${flagOf(name)}: required; must be ${spec.accepts}`);
  }
  const defaults = Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, spec.fallback]));
  return { kind: "run", values: { ...defaults, ...given } as ValuesOf<T>, given: given as Partial<ValuesOf<T>> };
}

const HELP_COLUMN = 24;

/** The option lines of a command's --help, in table order, aligned like the rest of the text. */
export function optionHelp(table: OptionTable, sources: Sources = {}): string {
  const rows: [string, string][] = Object.entries(table).map(([name, spec]) => {
    const alias = spec.short ? `, -${spec.short}` : "";
    return [`${flagOf(name)}${alias}${spec.value ? ` ${spec.value}` : ""}`, spec.help];
  });
  if (sources.configFile) rows.push(["--config FILE", "JSON file with any of the options above in camelCase"]);
  rows.push(["--help, --version", ""]);
  const indent = " ".repeat(HELP_COLUMN);
  const line = ([left, help]: [string, string]) => {
    const head = `  ${left}`;
    const text = help.replace(/\n/g, `\n${indent}`);
    return text === "" ? head : `${head.padEnd(HELP_COLUMN - 2)}  ${text}`;
  };
  return `${rows.map(line).join("\n")}\n`;
}
