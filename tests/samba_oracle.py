#!/usr/bin/env python3
"""Samba (libcli/security, python3-samba 4.17) as an oracle for
vssdoctor's descriptor codec; run by tests/check_oracle.c.

Input (argv[1]): one descriptor a line, tab-separated:
    ID  HEX  OUR_SDDL  OUR_HEX2
HEX is the descriptor, OUR_SDDL what vssdoctor prints for it, OUR_HEX2
what vssdoctor compiles OUR_SDDL into.  Output, one line per input:
    ID  OK
    ID  DIFF-SDDL  samba's text          (bytes -> SDDL disagree)
    ID  DIFF-BYTES samba's hex           (SDDL -> bytes disagree)
    ID  ERROR  message
and, when the SIDs agree but are spelled differently (an alias one side
knows), ALIAS lines.

Samba 4.17's own limits, worked around here rather than copied:
- it prints rights in its own letter order and hex as 0x%08x, so rights
  are compared as masks;
- it reads the rights alias FA as 0x1ff and does not know KA KR KW KX or
  the label rights NW NR NX, so the text it parses has every rights field
  written as the number vssdoctor means;
- it writes ACL revision 4 for every ACL (Windows writes 2 unless an ACL
  holds object ACEs), so revisions are set equal before bytes are
  compared (vssdoctor's own tests check the revision Windows writes);
- it cannot parse an ACL that has flags but no ACE unless it ends the
  text ("D:PS:" fails): such flags are left out of its input and set in
  the control word it builds;
- it cannot read conditional or resource attribute ACEs, crashes on
  mandatory label ACEs and prints a NULL DACL as nothing: the caller does
  not send such descriptors (it checks them against Windows' bytes).
"""
import sys

from samba.dcerpc import security
from samba.ndr import ndr_pack, ndr_unpack

DOMAIN = security.dom_sid("S-1-5-21-1-2-3")

RIGHTS = {
    "CC": 0x1, "DC": 0x2, "LC": 0x4, "SW": 0x8, "RP": 0x10, "WP": 0x20,
    "DT": 0x40, "LO": 0x80, "CR": 0x100, "SD": 0x10000, "RC": 0x20000,
    "WD": 0x40000, "WO": 0x80000, "GA": 0x10000000, "GX": 0x20000000,
    "GW": 0x40000000, "GR": 0x80000000,
    # Windows' whole-mask aliases (what they mean on Windows)
    "FA": 0x1F01FF, "FR": 0x120089, "FW": 0x120116, "FX": 0x1200A0,
    "KA": 0xF003F, "KR": 0x20019, "KW": 0x20006, "KX": 0x20019,
}

_sid_cache = {}


def resolve_sid(tok):
    """An alias or S-1-... as the SID string samba resolves it to."""
    if tok.upper().startswith("S-"):
        return tok.upper()
    if tok not in _sid_cache:
        sd = security.descriptor.from_sddl("O:" + tok, DOMAIN)
        _sid_cache[tok] = str(sd.owner_sid)
    return _sid_cache[tok]


def mask(r):
    if r.lower().startswith("0x"):
        return int(r, 16)
    if r.isdigit():
        return int(r)
    m = 0
    for i in range(0, len(r), 2):
        m |= RIGHTS[r[i:i + 2]]
    return m


def components(s):
    """{'O': sid, 'G': sid, 'D': (flags, [ace fields]), 'S': ...}."""
    out, i, depth, starts = {}, 0, 0, []
    while i < len(s):
        c = s[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c in "OGDS" and i + 1 < len(s) and s[i + 1] == ":":
            starts.append(i)
        i += 1
    for k, st in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(s)
        tag, body = s[st], s[st + 2:end]
        if tag in "OG":
            out[tag] = body
            continue
        first = body.find("(")
        flags = body if first < 0 else body[:first]
        aces = [] if first < 0 else [a.split(";") for a in body[first + 1:-1].split(")(")]
        out[tag] = (flags, aces)
    return out


def norm(s, resolve):
    """Comparable form; resolve: map SIDs to strings (else keep spelling)."""
    sidf = resolve_sid if resolve else (lambda t: t)
    c = components(s)
    out = []
    for tag in "OGDS":
        if tag not in c:
            continue
        if tag in "OG":
            out.append((tag, sidf(c[tag])))
            continue
        flags, aces = c[tag]
        fl = tuple(sorted([f for f in ("P", "AR", "AI") if f in flags]))
        na = []
        for f in aces:
            aflags = tuple(sorted(f[1][i:i + 2] for i in range(0, len(f[1]), 2)))
            na.append((f[0], aflags, mask(f[2]), f[3].lower(), f[4].lower(), sidf(f[5])))
        out.append((tag, fl, tuple(na)))
    return tuple(out)


# ACL flags -> control bits (MS-DTYP 2.4.6), DACL then SACL
FLAG_BITS = {"D": {"P": 0x1000, "AR": 0x0100, "AI": 0x0400},
             "S": {"P": 0x2000, "AR": 0x0200, "AI": 0x0800}}


def samba_input(s):
    """Our SDDL as samba 4.17 reads it right: every rights field as
    0x..., the flags of ACLs without ACEs returned as control bits."""
    c = components(s)
    parts, control = [], 0
    for tag in "OGDS":
        if tag not in c:
            continue
        if tag in "OG":
            parts.append(tag + ":" + c[tag])
            continue
        flags, aces = c[tag]
        if not aces:
            for f, bit in FLAG_BITS[tag].items():
                if f in flags:
                    control |= bit
            flags = ""
        text = tag + ":" + flags
        for f in aces:
            f = list(f)
            f[2] = "0x%x" % mask(f[2])
            text += "(" + ";".join(f) + ")"
        parts.append(text)
    return "".join(parts), control


def canonical(b):
    """Samba's layout of a descriptor, ACL revisions set equal."""
    sd = ndr_unpack(security.descriptor, b)
    if sd.dacl is not None:
        sd.dacl.revision = 4
    if sd.sacl is not None:
        sd.sacl.revision = 4
    return ndr_pack(sd)


def main():
    out = sys.stdout
    for line in open(sys.argv[1]):
        ident, hexa, ours, hex2 = line.rstrip("\n").split("\t")
        try:
            theirs = ndr_unpack(security.descriptor, bytes.fromhex(hexa)).as_sddl()
            if norm(theirs, True) != norm(ours, True):
                out.write("%s\tDIFF-SDDL\t%s\n" % (ident, theirs))
                continue
            if norm(theirs, False) != norm(ours, False):
                out.write("%s\tALIAS\t%s\n" % (ident, theirs))
            text, control = samba_input(ours)
            sd = security.descriptor.from_sddl(text, DOMAIN)
            sd.type |= control
            mine = canonical(bytes.fromhex(hex2))
            samba = canonical(ndr_pack(sd))
            if mine != samba:
                out.write("%s\tDIFF-BYTES\t%s\n" % (ident, samba.hex()))
                continue
            out.write("%s\tOK\n" % ident)
        except Exception as e:  # one bad line is reported, not fatal
            out.write("%s\tERROR\t%s\n" % (ident, str(e).replace("\t", " ")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
