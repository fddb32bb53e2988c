#!/usr/bin/env python3
"""make layers: the product's includes point down the layers only.

    python3 scripts/layers.py [--root DIR] LAYER...

LAYERs are folders, lowest first (the Makefile's LAYERS).  Every .c and .h
file directly in a layer may include (with "...") headers of its own layer
and of the layers before it, never of a layer after it, and never a header
found in no layer (testdata/lib's writers are for tests only).  parsers/,
the lowest, also keeps to libc: no JSON, XML or image library there, and
a third-party library's headers appear only in the layer that adapts it.
No product file over 700 lines, no function over 120.  One line per violation, "file:line: why"; exit 1 when there is any, 0 when
there is none, 2 on a usage error.  docs/ARCHITECTURE.md says why.
"""
import os
import re
import sys

# system headers a layer may not use: (layer prefix, header prefix, why)
FOREIGN = [
    ("parsers", "jansson.h", "parsers/ hold no JSON"),
    ("parsers", "libxml/", "parsers/ hold no XML"),
    ("parsers", "ntfs-3g/", "parsers/ do no I/O"),
    ("parsers", "libregf", "parsers/ do no I/O"),
    ("parsers", "libevtx", "parsers/ do no I/O"),
    ("parsers", "libbfio", "parsers/ do no I/O"),
    ("parsers", "pthread.h", "parsers/ hold no threads"),
]
# where a library's own headers may appear (its adapter's layer)
ADAPTERS = {
    "ntfs-3g/": ("src/fs", "src/repair"),
    "libregf.h": ("src/evidence",),
    "libevtx.h": ("src/evidence",),
    "libvshadow.h": ("src/image",),
    "libbde.h": ("src/image",),
}

# layers whose functions a layer may not call though their headers are
# below it: the reports read results and the scan's recorded source, never
# the read path or the collectors (issue 15: "reading results only")
CALLS = [
    ("src/report", ("src/image", "src/volume", "src/fs", "src/evidence"),
     "the reports read results only"),
]
KEYWORDS = {"void", "int", "char", "long", "short", "unsigned", "signed", "const",
            "struct", "enum", "union", "static", "sizeof", "return", "if", "while",
            "for", "switch", "typedef", "extern", "inline"}
DECL = re.compile(r"^[a-z][^(;=]*?\b([a-z_][a-z0-9_]*)\s*\(", re.M)


def declared(root, layers):
    """The functions the headers of layers declare."""
    names = set()
    for layer in layers:
        d = os.path.join(root, layer)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            if name.endswith(".h"):
                with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
                    names.update(DECL.findall(f.read()))
    return names - KEYWORDS


# headers the build generates (in $(O), not in a layer): the checks table
GENERATED = {"checks_table.h"}

INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


MAX_FILE_LINES = 700
MAX_FUNC_LINES = 120


def sources(root, rank):
    """(layer, file name, path) of every .c and .h directly in a layer."""
    for layer in rank:
        d = os.path.join(root, layer)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(".c") or name.endswith(".h"):
                yield layer, name, os.path.join(d, name)


def sizes(root, rank):
    """Files over MAX_FILE_LINES, functions over MAX_FUNC_LINES (a body
    runs from a '{' alone at column 0 to the next '}' at column 0)."""
    bad = []
    for layer, name, path in sources(root, rank):
        shown = "%s/%s" % (layer, name)
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        if len(lines) > MAX_FILE_LINES:
            bad.append("%s: %d lines (at most %d)" % (shown, len(lines), MAX_FILE_LINES))
        start = None
        for no, line in enumerate(lines):
            if line == "{":
                start = no
            elif line.startswith("}") and start is not None:
                if no - start + 1 > MAX_FUNC_LINES:
                    head = start - 1
                    while head > 0 and "(" not in lines[head]:
                        head -= 1
                    m = re.search(r"(\w+)\s*\(", lines[head])
                    bad.append("%s:%d: function %s: %d lines (at most %d)"
                               % (shown, head + 1, m.group(1) if m else "?",
                                  no - start + 1, MAX_FUNC_LINES))
                start = None
    return bad


def main(argv):
    root = "."
    if len(argv) > 2 and argv[1] == "--root":
        root = argv[2]
        argv = argv[2:]
    layers = argv[1:]
    if not layers:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    rank = {}
    for i, layer in enumerate(layers):
        rank[layer.rstrip("/")] = i
    # header name -> layer (a name in two layers is itself a violation:
    # -iquote would pick one silently)
    where = {}
    bad = []
    for layer in rank:
        d = os.path.join(root, layer)
        if not os.path.isdir(d):
            bad.append("%s: no such layer folder" % layer)
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith(".h"):
                continue
            if name in where:
                bad.append("%s/%s: the same header name is in %s" % (layer, name, where[name]))
            else:
                where[name] = layer
    nfiles = 0
    for layer, name, path in sources(root, rank):
        d = os.path.join(root, layer)
        nfiles += 1
        shown = "%s/%s" % (layer, name)
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        banned = set()
        for lay, below, why in CALLS:
            if layer == lay:
                banned = declared(root, below)
                banned_why = why
        for no, line in enumerate(lines, 1):
            if banned and not line.lstrip().startswith(("*", "/*", "//")):
                for c in re.findall(r"(?<![\w.>])([a-z_][a-z0-9_]*)\s*\(", line):
                    if c in banned:
                        bad.append("%s:%d: %s(): %s" % (shown, no, c, banned_why))
            m = INC.match(line)
            if not m:
                continue
            kind, hdr = m.groups()
            if kind == "<":
                for lay, pre, why in FOREIGN:
                    if layer.startswith(lay) and hdr.startswith(pre):
                        bad.append("%s:%d: <%s>: %s" % (shown, no, hdr, why))
                for pre, ok in ADAPTERS.items():
                    if hdr.startswith(pre) and layer not in ok:
                        bad.append("%s:%d: <%s> outside its adapter (%s)"
                                   % (shown, no, hdr, ", ".join(ok)))
                continue
            base = os.path.basename(hdr)
            if os.path.exists(os.path.join(d, hdr)):
                continue        # its own layer
            other = where.get(base)
            if other is None and base in GENERATED:
                continue
            if other is None:
                bad.append("%s:%d: \"%s\" is in no layer (testdata and tests are not the product)"
                           % (shown, no, hdr))
            elif rank[other] > rank[layer]:
                bad.append("%s:%d: \"%s\" is in %s, a layer above %s"
                           % (shown, no, hdr, other, layer))
    bad += sizes(root, rank)
    for b in bad:
        print(b)
    print("layers: %d files in %d layers, %d against the order or the sizes"
          % (nfiles, len(rank), len(bad)), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
