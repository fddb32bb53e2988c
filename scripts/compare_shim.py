#!/usr/bin/python3
"""Stands in for vssdoctor while the test suites run (scripts/compare-reports.sh).

Runs the binary under test ($CMP_NEW) with the arguments given and hands
its output and exit status back unchanged, so the suites judge it as
usual.  For `scan`, it also runs the reference binary ($CMP_BASE, built
from the start of the branch) with the same arguments and compares the two
runs: stdout, the files written with -o / --save-baseline, and the exit
status byte for byte, after the timing fields are zeroed (JSON
"timing_ms", the text report's "N ms", JUnit time and timestamp); stderr as a set
of lines, with the -v figures (ms, bytes and reads) zeroed.  A difference
is appended to $CMP_LOG (one block per run) and $CMP_COUNT counts the runs
compared.
"""
import difflib
import os
import re
import subprocess
import sys
import tempfile

NEW = os.environ["CMP_NEW"]
BASE = os.environ["CMP_BASE"]
LOG = os.environ.get("CMP_LOG", "/dev/null")
COUNT = os.environ.get("CMP_COUNT")
# the reference reads the rules folder of its own tree: a parameter added
# since (for repair, say) is refused by the reference's loader
NEW_RULES = os.environ.get("CMP_NEW_RULES")
BASE_RULES = os.environ.get("CMP_BASE_RULES")

OUT_OPTS = ("-o", "--output", "--save-baseline")


def norm_out(b):
    b = re.sub(rb'"timing_ms": ?\{[^}]*\}', b'"timing_ms": {}', b)
    b = re.sub(rb'\(exit status (\d), \d+ ms\)', rb'(exit status \1, 0 ms)', b)
    b = re.sub(rb'time="[0-9.]+"', b'time="0"', b)
    b = re.sub(rb'timestamp="[0-9T:-]+"', b'timestamp="0"', b)
    return b


def norm_err(b):
    b = re.sub(rb"read \d+ bytes in \d+ reads", b"read N bytes in N reads", b)
    b = re.sub(rb"\d+ ms\b", b"N ms", b)
    return sorted(b.splitlines())


def rewrite(argv, tmp, tag):
    """argv with every output file moved into tmp; the (real, moved) pairs"""
    out, pairs, i = [], [], 0
    while i < len(argv):
        a = argv[i]
        if a in OUT_OPTS and i + 1 < len(argv):
            moved = os.path.join(tmp, "%s-%d" % (tag, len(pairs)))
            pairs.append((argv[i + 1], moved))
            out += [a, moved]
            i += 2
            continue
        m = re.match(r"(--output|--save-baseline)=(.*)", a)
        if m:
            moved = os.path.join(tmp, "%s-%d" % (tag, len(pairs)))
            pairs.append((m.group(2), moved))
            out.append("%s=%s" % (m.group(1), moved))
        else:
            out.append(a)
        i += 1
    return out, pairs


def base_rules(argv):
    """argv and the environment with the tree's rules folder swapped for
    the reference's"""
    env = dict(os.environ)
    if not NEW_RULES or not BASE_RULES:
        return argv, env
    env["VSSDOCTOR_RULES"] = BASE_RULES
    out = []
    for a in argv:
        for pre in ("", "--rules="):
            if a == pre + NEW_RULES or a.startswith(pre + NEW_RULES + "/"):
                a = pre + BASE_RULES + a[len(pre + NEW_RULES):]
                break
        out.append(a)
    return out, env


def run(binary, argv, env=None):
    p = subprocess.run([binary] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    return p.returncode, p.stdout, p.stderr


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def main():
    argv = sys.argv[1:]
    if not argv or argv[0] != "scan":
        os.execv(NEW, [NEW] + argv)
    with tempfile.TemporaryDirectory(prefix="cmp-") as tmp:
        base_argv, base_pairs = rewrite(argv, tmp, "base")
        new_argv, new_pairs = rewrite(argv, tmp, "new")
        base_argv, base_env = base_rules(base_argv)
        st_b, out_b, err_b = run(BASE, base_argv, base_env)
        st_n, out_n, err_n = run(NEW, new_argv)
        # stderr names the files as given, not where the shim moved them
        for (real, moved_b), (_, moved_n) in zip(base_pairs, new_pairs):
            err_b = err_b.replace(moved_b.encode(), real.encode())
            err_n = err_n.replace(moved_n.encode(), real.encode())
        diffs = []
        if st_b != st_n:
            diffs.append("exit status %d (base) != %d (new)" % (st_b, st_n))
        if norm_out(out_b) != norm_out(out_n):
            d = difflib.unified_diff(norm_out(out_b).decode(errors="replace").splitlines(),
                                     norm_out(out_n).decode(errors="replace").splitlines(),
                                     "base", "new", lineterm="")
            diffs.append("stdout differs:\n%s" % "\n".join(list(d)[:200]))
        if norm_err(err_b) != norm_err(err_n):
            diffs.append("stderr differs:\n--- base\n%s\n--- new\n%s" % (
                err_b.decode(errors="replace")[:2000], err_n.decode(errors="replace")[:2000]))
        for (real, moved_b), (_, moved_n) in zip(base_pairs, new_pairs):
            fb, fn = read(moved_b), read(moved_n)
            if (fb is None) != (fn is None) or (fb is not None and norm_out(fb) != norm_out(fn)):
                diffs.append("output file %s differs" % real)
            # the caller gets the file the binary under test wrote
            if fn is not None:
                with open(real, "wb") as f:
                    f.write(fn)
            elif os.path.exists(real) and fb is None:
                pass
        with open(LOG, "a") as f:
            if diffs:
                f.write("=== DIFF: %s\n%s\n\n" % (" ".join(argv), "\n".join(diffs)))
        if COUNT:
            with open(COUNT, "a") as f:
                f.write("%s %s\n" % ("diff" if diffs else "same", " ".join(argv)))
    sys.stdout.buffer.write(out_n)
    sys.stderr.buffer.write(err_n)
    sys.exit(st_n)


if __name__ == "__main__":
    main()
