/**
 * The UDP echo socket on Windows, bound by the host beside the TCP listener
 * (same host, same port): overlapped, exclusive, and with SIO_UDP_CONNRESET
 * turned off so that an ICMP port-unreachable (the answer to an echo sent to
 * a client that had closed its socket) does not fail the next WSARecvFrom
 * with WSAECONNRESET: the failure many UDP receive loops die of (tokio
 * #2017, webrtc-rs #812). The loop survives that error anyway (udp-echo.ts);
 * turning it off saves the round trip.
 */
import type { Pointer } from "bun:ffi";
import { OsError } from "../../os-error.ts";
import { formatAddress, writeSockaddr } from "../sockaddr.ts";
import type { NativeBlock } from "./native.ts";
import { setIntOption, wsaError } from "./sockets.ts";
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  SIO_UDP_CONNRESET,
  SO_EXCLUSIVEADDRUSE,
  SO_RCVBUF,
  SO_SNDBUF,
  SOCK_DGRAM,
  SOCKET_ERROR,
  SOL_SOCKET,
  WSA_FLAG_NO_HANDLE_INHERIT,
  WSA_FLAG_OVERLAPPED,
  ws2_32,
} from "./ws2_32.ts";

const SOCKADDR = 0;
const IOCTL_IN = 72;
const IOCTL_RETURNED = 80;
/** A burst waits in the socket while the workers catch up, instead of being dropped. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** The bound datagram socket; throws an OsError naming the address. */
export function bindUdp(scratch: NativeBlock, host: string, port: number): number {
  const where = `udp ${formatAddress(host, port)}`;
  const { v6, length } = writeSockaddr(scratch.view, SOCKADDR, host, port, AF_INET6);
  const flags = WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT;
  const s = ws2_32.WSASocketW(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, IPPROTO_UDP, null, 0, flags);
  if (typeof s !== "number") throw wsaError("WSASocketW", where); // INVALID_SOCKET comes back as a bigint
  try {
    const option = (label: string, level: number, name: number, value: number) => {
      const error = setIntOption(scratch, s, level, name, value, label);
      if (error !== null) throw new OsError(error.call, error.code, error.raw, where);
    };
    option("SO_EXCLUSIVEADDRUSE", SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1);
    if (v6) option("IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY, host === "::" ? 0 : 1);
    // Larger queues only help; a refusal is not an error.
    setIntOption(scratch, s, SOL_SOCKET, SO_RCVBUF, SOCKET_BUFFER_BYTES, "SO_RCVBUF");
    setIntOption(scratch, s, SOL_SOCKET, SO_SNDBUF, SOCKET_BUFFER_BYTES, "SO_SNDBUF");
    writeSockaddr(scratch.view, SOCKADDR, host, port, AF_INET6);
    const at = (o: number) => (scratch.address + o) as Pointer;
    if (ws2_32.bind(s, at(SOCKADDR), length) === SOCKET_ERROR) throw wsaError("bind", where);
    // BOOL FALSE: no WSAECONNRESET from ICMP. A provider that refuses it
    // costs only the re-posts the receive loop makes for those errors.
    scratch.view.setInt32(IOCTL_IN, 0, true);
    ws2_32.WSAIoctl(s, SIO_UDP_CONNRESET, at(IOCTL_IN), 4, null, 0, at(IOCTL_RETURNED), null, null);
    return s;
  } catch (error) {
    ws2_32.closesocket(s);
    throw error;
  }
}
