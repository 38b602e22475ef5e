/**
 * Where %ProgramData% is, as Windows defines it: the ProfileList registry
 * value the environment variable is made from at logon. Read from the
 * registry rather than the environment because the installer (a person's
 * shell) and the service (LocalSystem, started by the SCM) must agree, and
 * under Wine they do not: its services get ProgramData=C:\users\Public
 * while consoles get C:\ProgramData (what the registry says).
 */
import { advapi32 } from "./advapi32.ts";

const HKEY_LOCAL_MACHINE = 0xffff_ffff_8000_0002n;
const PROFILE_LIST = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList";
/** RRF_RT_REG_SZ: strings only; a REG_EXPAND_SZ value comes back expanded (%SystemDrive%). */
const RRF_RT_REG_SZ = 0x2;
const VALUE_BYTES = 2048;

const wide = (text: string) => Buffer.from(`${text}\0`, "utf16le");

/** The ProgramData directory, or null when the registry does not say (then the caller falls back to the environment). */
export function programDataDirectory(): string | null {
  const value = Buffer.alloc(VALUE_BYTES);
  const length = new Uint32Array([VALUE_BYTES]);
  const status = advapi32.RegGetValueW(
    HKEY_LOCAL_MACHINE,
    wide(PROFILE_LIST),
    wide("ProgramData"),
    RRF_RT_REG_SZ,
    null,
    value,
    length,
  );
  if (status !== 0) return null;
  const text = value.toString("utf16le", 0, Math.max(0, length[0]! - 2));
  return text.length > 0 ? text.replace(/\0+$/, "") : null;
}
