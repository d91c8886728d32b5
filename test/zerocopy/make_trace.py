#!/usr/bin/env python3
"""Writes the pcap the zerocopy whole-router test feeds (known flows, so counts are exact).

IPv4 frames: udp 10.77.0.1:1000 -> 10.77.0.2:2000 x5 (60 B), udp 10.77.0.3:1001 -> 10.77.0.2:53
x3 (100 B), tcp 10.77.0.1:40000 -> 10.77.0.9:80 x4 (74 B), icmp 10.77.0.2 -> 10.77.0.1 x2
(98 B); plus 2 ARP frames (60 B) that must take the ordinary path. 16 frames, interleaved.
"""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def eth(payload, etype=0x0800):
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", etype) + payload


def frame(kind, size):
    a = lambda n: [10, 77, 0, n]
    if kind == "udp1":
        l4 = struct.pack("!HHHH", 1000, 2000, 8, 0)
        f = eth(ipv4(a(1), a(2), 17, l4))
    elif kind == "udp2":
        l4 = struct.pack("!HHHH", 1001, 53, 8, 0)
        f = eth(ipv4(a(3), a(2), 17, l4))
    elif kind == "tcp":
        l4 = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x02, 1024, 0, 0)
        f = eth(ipv4(a(1), a(9), 6, l4))
    elif kind == "icmp":
        f = eth(ipv4(a(2), a(1), 1, struct.pack("!BBHHH", 0, 0, 0, 7, 1)))
    else:  # arp
        f = eth(struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + b"\0" * 20, 0x0806)
    return f + b"\0" * (size - len(f))


plan = [("udp1", 60)] * 5 + [("udp2", 100)] * 3 + [("tcp", 74)] * 4 + [("icmp", 98)] * 2 + \
       [("arp", 60)] * 2
order = sorted(range(len(plan)), key=lambda i: (i * 7) % len(plan))  # interleave flows
with open(sys.argv[1], "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for k, i in enumerate(order):
        data = frame(*plan[i])
        out.write(struct.pack("<IIII", 1700000000, k, len(data), len(data)))
        out.write(data)
