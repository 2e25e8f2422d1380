#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_mb2 and fuzz_elf64.

Run from the repository root: tests/fuzz/gen_corpus.py
The seeds are small valid inputs shaped like the real ones (GRUB's boot
information, a dommgr-like ELF64 executable) so that the fuzzers start
deep inside the parsers.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def align8(b):
    return b + b"\0" * (-len(b) % 8)


# ---------------------------------------------------------------- multiboot2
def tag(t, payload=b""):
    return align8(struct.pack("<II", t, 8 + len(payload)) + payload)


def string_tag(t, s):
    return tag(t, s.encode() + b"\0")


def module(start, end, cmdline):
    return tag(3, struct.pack("<II", start, end) + cmdline.encode() + b"\0")


def mmap(entries, esize=24):
    body = b"".join(struct.pack("<QQII", b, n, t, 0).ljust(esize, b"\0")
                    for b, n, t in entries)
    return tag(6, struct.pack("<II", esize, 0) + body)


def info(*tags, pad=0):
    body = b"".join(tags) + tag(0) + b"\0" * pad
    return struct.pack("<II", 8 + len(body), 0) + body


GRUB_MMAP = [(0x0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xf0000, 0x10000, 2),
             (0x100000, 0x7fee0000, 1), (0x7ffe0000, 0x20000, 3),
             (0xfffc0000, 0x40000, 2)]
RSDP_V1 = b"RSD PTR " + bytes(12)
RSDP_V2 = RSDP_V1 + struct.pack("<I", 36) + bytes(12)

MB2 = {
    "grub_full": info(
        string_tag(1, "console=com1 loglevel=2"),
        string_tag(2, "GRUB 2.06-13+deb12u1"),
        module(0x200000, 0x2345678, "dommgr verbose"),
        module(0x2346000, 0x2346400, "policy"),
        module(0x2347000, 0x2347000, "normal root=/dev/sda1"),
        tag(4, struct.pack("<II", 639, 2096000)),
        tag(5, struct.pack("<III", 0x80, 0xffffffff, 0xffffffff)),
        mmap(GRUB_MMAP),
        tag(8, bytes(24)),
        tag(15, RSDP_V2)),
    "end_only": info(),
    "acpi_old_mmap32": info(mmap(GRUB_MMAP[:3], esize=32), tag(14, RSDP_V1),
                            pad=8),
    "modules": info(*[module(0x1000 * i, 0x1000 * i + 0x800, name)
                      for i, name in enumerate(
                          ["dommgr2 x", "dommgr", "  policy arg", "",
                           "prot1 mem=64M cpus=1"])]),
    # Kernel images for mb_kernel_kind (not boot information).
    "kernel_mb2": bytes(8) + struct.pack(
        "<IIII", 0xe85250d6, 0, 24, (-(0xe85250d6 + 24)) & 0xffffffff)
    + struct.pack("<HHI", 0, 0, 8) + bytes(32),
    "kernel_mb1": bytes(4) + struct.pack(
        "<III", 0x1badb002, 3, (-(0x1badb002 + 3)) & 0xffffffff) + bytes(16),
}


# ---------------------------------------------------------------- ELF64
def elf(entry, phdrs, size):
    """phdrs: (type, flags, offset, vaddr, filesz, memsz)."""
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0,
                             64, 56, len(phdrs), 0, 0, 0)
    ph = b"".join(struct.pack("<IIQQQQQQ", t, f, o, v, v, fs, ms, 0x1000)
                  for t, f, o, v, fs, ms in phdrs)
    img = bytearray(eh + ph)
    img += bytes(max(0, size - len(img)))
    for i in range(len(eh) + len(ph), size):
        img[i] = (i * 7) & 0xff  # some non-zero contents
    return bytes(img)


V = 0xffffffff80000000
R, W, X = 4, 2, 1
ELF = {
    "three_segments": elf(V + 0x1010, [
        (1, R | X, 0x1000, V + 0x1000, 0x2345, 0x2345),
        (4, R, 0x3400, V + 0x4400, 0x20, 0x20),
        (1, R, 0x3400, V + 0x4400, 0x800, 0x800),
        (1, R | W, 0x3c00, V + 0x5c00, 0x100, 0x5000),
        (0x6474e551, R | W, 0, 0, 0, 0)], 0x3d00),
    "one_segment": elf(0x100000, [(1, R | X, 0, 0x100000, 0x200, 0x200)],
                       0x200),
    "empty_load": elf(V + 0x1000, [
        (1, R | X, 0x1000, V + 0x1000, 0x10, 0x10),
        (1, R | W, 0, V + 0x123, 0, 0)], 0x1010),
    "eight_segments": elf(V + 0x2400, [
        (1, R | X if i % 2 == 0 else R | W, 0x200 * i, V + 0x1000 * i
         + 0x200 * i, 0x40, 0x100) for i in range(1, 9)], 0x1100),
}


def main():
    for sub, files in (("mb2", MB2), ("elf64", ELF)):
        os.makedirs(os.path.join(OUT, sub), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(OUT, sub, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
