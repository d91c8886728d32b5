#!/usr/bin/env python3
"""Counts duplicate ACKs in a pcap (Ethernet, IPv4, TCP): a segment without payload, SYN, FIN or
RST whose acknowledgement number and window equal the previous segment's of the same flow
(RFC 5681's definition, minus the "outstanding data" test a capture cannot see)."""
import struct
import sys


def main(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        print(0)
        return
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off, last, dups = 24, {}, 0
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = pkt[14:] if linktype == 1 else pkt
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:]
        if len(tcp) < 20:
            continue
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        payload = total - ihl - doff
        key = (ip[12:16], ip[16:20], tcp[0:4])
        ack, win = struct.unpack(">I", tcp[8:12])[0], struct.unpack(">H", tcp[14:16])[0]
        if payload == 0 and not flags & 0x07 and last.get(key) == (ack, win):
            dups += 1
        last[key] = (ack, win)
    print(dups)


if __name__ == "__main__":
    main(sys.argv[1])
