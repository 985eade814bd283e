/** A parsed IPv4 CIDR block. */
export interface Ipv4Block {
  /** The network address as an unsigned 32-bit integer. */
  readonly network: number;
  /** The prefix length, 0–32. */
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined when it is not a CIDR block or has host bits set. */
export function parseCidr(value: string): Ipv4Block | undefined {
  const m = CIDR.exec(value);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined;
  return { network: address, prefix };
}

/** Number of addresses in a block of this prefix length. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** True when two blocks share any address. */
export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  const aEnd = a.network + blockSize(a.prefix);
  const bEnd = b.network + blockSize(b.prefix);
  return a.network < bEnd && b.network < aEnd;
}

/**
 * Usable IPv4 addresses in a subnet of this prefix: AWS reserves five in every subnet (network,
 * VPC router, DNS, future use, broadcast).
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
 */
export function usableSubnetAddresses(prefix: number): number {
  return blockSize(prefix) - 5;
}
