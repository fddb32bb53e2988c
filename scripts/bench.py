#!/usr/bin/python3
"""make bench: time `vssdoctor scan` on a large, realistic fixture (issue 9).

The fixture is built once and cached outside the source tree
($VSSD_BENCH_DIR, default /var/tmp/vssdoctor-bench/<hash of the generators
and the scenario>): a Windows Server 2019 NTFS volume of 3.9 GiB holding a
WinSxS tree of 300,000 files in 20,000 folders, FileMaps with 5,000 files,
1,500 Temporary ASP.NET Files folders in Framework and in Framework64, a
~30 MB SYSTEM hive with 1,000 more services, a ~40 MB SOFTWARE hive, and
Application.evtx and System.evtx of 60,000 records each.  It is wrapped as
a 64 GiB dynamic VHDX (sparse) and as a raw 4 GiB GPT disk.

Each measurement is the median of RUNS runs, warm page cache: wall time,
CPU time (user+sys), peak RSS of the child (wait4), bytes read from the
image (vssdoctor -v).  The hand-chained tools a user would run for the same
answers are timed the same way on the same files, and the ratio printed.
No assertion: the targets are printed next to the figures.

Issue 22 adds, in the same run: a fixture shaped like a CI farm's server
image (256 MiB volume, a 16.8 MB System log of 47,000 records, a 2 MB
Application log, 5,000 Temporary ASP.NET Files folders) with the
hand-chained tools on it; 100 copies of the demo image (hard links: the
same bytes, as a farm's identical golden images) scanned with -j 2 next
to one single scan; the skim's rate on one log next to evtxexport's (the
events suite's bench case); and the load average, since the figures are
only comparable on a quiet machine.
The shadow-copy case (issue 19) has a fixture of its own: a 1 GiB volume
in nine states written as eight shadow copies by testdata/mkvss; it times
`scan` and `scan --shadows` and prints their ratio.  BENCH_ONLY=shadows
runs that case alone; BENCH_ONLY=bitlocker the BitLocker case (issue 20)
alone.
"""
import hashlib
import os
import re
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
O = os.environ.get("O", "build")
BIN = os.path.join(TOP, O, "vssdoctor")
TOOLS = os.path.join(TOP, O, "testdata")
RULES = os.path.join(TOP, "rules")
RUNS = int(os.environ.get("RUNS", "5"))


def scenario():
    lines = [
        "size 3900M", "os 2019", "services 1000", "pad system 30M", "pad software 40M",
        "filemaps_files 5000",
        'folders "Windows\\Microsoft.NET\\Framework\\v4.0.30319\\Temporary ASP.NET Files" 1500 t',
        'folders "Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files" 1500 t',
        "evtx application bulk 60000 seed=1",
        "evtx system bulk 60000 seed=2",
    ]
    for i in range(20000):
        lines.append("vol files Windows\\WinSxS\\amd64_microsoft-windows-c%05d_31bf3856ad364e35_10.0.17763.%d_none_%08x 15 f"
                     % (i, i % 3000, (i * 2654435761) & 0xffffffff))
    return "\n".join(lines) + "\n"


def issue_scenario():
    return "\n".join([
        "size 256M", "os 2016",
        'folders "Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files" 5000 t',
        "evtx system bulk 47000 seed=2",
        "evtx application bulk 5600 seed=1",
    ]) + "\n"


def build_issue(cache):
    """the issue-shaped volume and the files the tools read; cheap (a second)"""
    d = os.path.join(cache, "issue22")
    done = os.path.join(d, "done")
    if os.path.exists(done):
        return d
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "issue.scenario"), "w") as f:
        f.write(issue_scenario())
    vol = os.path.join(d, "issue.img")
    sh("'%s/mkscenario' '%s' '%s/issue.scenario'" % (TOOLS, vol, d))
    for src, dst in (("Windows/System32/config/SYSTEM", "SYSTEM"),
                     ("Windows/System32/winevt/Logs/Application.evtx", "Application.evtx"),
                     ("Windows/System32/winevt/Logs/System.evtx", "System.evtx")):
        sh("ntfscat -f '%s' '/%s' > '%s/%s'" % (vol, src, d, dst))
    # 100 copies of the demo image (hard links)
    demo = os.path.join(d, "demo")
    sh("'%s' demo '%s' >/dev/null 2>&1 || true" % (BIN, demo))
    img = [f for f in os.listdir(demo) if f.endswith(".img")][0]
    os.makedirs(os.path.join(d, "copies"), exist_ok=True)
    for i in range(100):
        link = os.path.join(d, "copies", "demo%03d.img" % i)
        if not os.path.exists(link):
            os.link(os.path.join(demo, img), link)
    open(done, "w").write("ok\n")
    return d


def loadavg():
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def sh(cmd, **kw):
    subprocess.run(cmd, shell=True, check=True, **kw)


def build(cache):
    os.makedirs(cache, exist_ok=True)
    done = os.path.join(cache, "done")
    if os.path.exists(done):
        return
    t = time.time()
    print("bench: building the fixture in %s (once)" % cache, flush=True)
    with open(os.path.join(cache, "bench.scenario"), "w") as f:
        f.write(scenario())
    vol = os.path.join(cache, "volume.img")
    sh("'%s/mkscenario' '%s' '%s/bench.scenario'" % (TOOLS, vol, cache))
    # raw 4 GiB GPT disk: EFI 100 MiB, MSR 16 MiB, then the volume
    vol_mib = os.path.getsize(vol) >> 20
    tail4 = 4096 - 1 - 100 - 16 - vol_mib - 1
    sh("'%s/mkdisk' --gpt --before-mib 100 --before-mib 16 --volume '%s' --tail-mib %d --out '%s/disk4g.raw' >/dev/null"
       % (TOOLS, vol, max(tail4, 0), cache))
    # 64 GiB disk, the same volume, then a dynamic VHDX of it
    tail64 = 65536 - 1 - 100 - 16 - vol_mib - 1
    sh("'%s/mkdisk' --gpt --before-mib 100 --before-mib 16 --volume '%s' --tail-mib %d --out '%s/disk64.raw' >/dev/null"
       % (TOOLS, vol, tail64, cache))
    sh("qemu-img convert -q -f raw -O vhdx -o subformat=dynamic '%s/disk64.raw' '%s/disk64.vhdx'" % (cache, cache))
    os.unlink(os.path.join(cache, "disk64.raw"))
    # the files the hand-chained tools read
    for src, dst in (("Windows/System32/config/SYSTEM", "SYSTEM"),
                     ("Windows/System32/config/SOFTWARE", "SOFTWARE"),
                     ("Windows/System32/winevt/Logs/Application.evtx", "Application.evtx"),
                     ("Windows/System32/winevt/Logs/System.evtx", "System.evtx")):
        sh("ntfscat -f '%s' '/%s' > '%s/%s'" % (vol, src, cache, dst))
    open(done, "w").write("built in %.0f s\n" % (time.time() - t))
    print("bench: built in %.0f s" % (time.time() - t), flush=True)


def measure(argv, runs=RUNS, stdout=subprocess.DEVNULL):
    """median wall, cpu, maxrss (KiB) and the last stderr"""
    walls, cpus, rss = [], [], []
    err = b""
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        walls.append(time.perf_counter() - t0)
        cpus.append(ru.ru_utime + ru.ru_stime)
        rss.append(ru.ru_maxrss)
    return statistics.median(walls), statistics.median(cpus), statistics.median(rss), err.decode(errors="replace")


def measure_shell(cmds, runs=3):
    """the total of a chain of commands, median over runs"""
    totals, cpus = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        cpu = 0.0
        for c in cmds:
            p = subprocess.Popen(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            cpu += ru.ru_utime + ru.ru_stime
        totals.append(time.perf_counter() - t0)
        cpus.append(cpu)
    return statistics.median(totals), statistics.median(cpus)


def shadows_scenario(k):
    """state k (1..9) of the shadow-copy bench volume: 1 GiB, 1,000 more
    services, hives of ~30 and ~20 MB, two logs of 30,000 records, 2,000
    WinSxS folders; SYSTEM differs in every state (a value), CryptSvc's
    descriptor is broken from state 5 on; the logs are the same in all."""
    lines = ["size 1G", "os 2019", "services 1000", "pad system 30M", "pad software 20M",
             "filemaps_files 2000",
             'folders "Windows\\Microsoft.NET\\Framework\\v4.0.30319\\Temporary ASP.NET Files" 800 t',
             "evtx application bulk 30000 seed=1", "evtx system bulk 30000 seed=2"]
    for i in range(2000):
        lines.append("vol files Windows\\WinSxS\\amd64_c%05d_31bf3856ad364e35_10.0.17763.%d_none_%08x 10 f"
                     % (i, i % 3000, (i * 2654435761) & 0xffffffff))
    if k >= 5:
        lines.append("break cause3")
    lines.append("reg system dword ControlSet001\\Services\\CryptSvc BenchStep %d" % k)
    return "\n".join(lines) + "\n"


def shadows_bench():
    """issue 19: a volume with 8 shadow copies; scan vs scan --shadows
    (target: all of them cost at most 1 + 0.25 x 8 single scans)"""
    h = hashlib.sha256(shadows_scenario(1).encode())
    for f in ("scenario.c", "regf_writer.c", "evtx_writer.c", "ntfs_builder.c", "vss_writer.c"):
        h.update(open(os.path.join(TOP, "testdata/lib", f), "rb").read())
    cache = os.path.join(os.environ.get("VSSD_BENCH_DIR", "/var/tmp/vssdoctor-bench"),
                         "shadows-" + h.hexdigest()[:16])
    os.makedirs(cache, exist_ok=True)
    live = os.path.join(cache, "live.img")
    if not os.path.exists(os.path.join(cache, "done")):
        t = time.time()
        print("bench: building the shadow-copy fixture in %s (once)" % cache, flush=True)
        args = []
        for k in range(1, 10):
            scn = os.path.join(cache, "state%d.scenario" % k)
            img = os.path.join(cache, "state%d.img" % k)
            with open(scn, "w") as f:
                f.write(shadows_scenario(k))
            sh("'%s/mkscenario' '%s' '%s'" % (TOOLS, img, scn))
            if k < 9:
                args.append("2019-06-%02dT10:00:00Z '%s'" % (k, img))
        sh("cp --sparse=always '%s/state9.img' '%s'" % (cache, live))
        sh("'%s/mkvss' '%s' %s >/dev/null" % (TOOLS, live, " ".join(args)))
        for k in range(1, 9):
            os.unlink(os.path.join(cache, "state%d.img" % k))
        open(os.path.join(cache, "done"), "w").write("built in %.0f s\n" % (time.time() - t))
    one = measure([BIN, "scan", "--format", "json", live])
    allv = measure([BIN, "scan", "-v", "--shadows", "--format", "json", live])
    m = re.search(r"read (\d+) bytes", allv[3])
    return one, allv, int(m.group(1)) if m else -1


def print_shadows(one, allv, nread):
    ratio = allv[0] / max(one[0], 1e-9)
    print("%-14s %9.3f %9.3f %10.1f   (1 GiB volume, scan of the live volume only)"
          % ("shadows x0", one[0], one[1], one[2] / 1024))
    print("%-14s %9.3f %9.3f %10.1f   (scan --shadows: 8 stores + live; %d bytes read)"
          % ("shadows x8", allv[0], allv[1], allv[2] / 1024, nread))
    print("         8 stores cost <= 1 + 0.25 x 8 = 3.0 single scans: %s (%.2f; cpu %.2f)"
          % ("ok" if ratio <= 3.0 else "MISS", ratio, allv[1] / max(one[1], 1e-9)))


BDE_RP = "111111-222222-333333-444444-555555-666666-000000-123453"


def measure_alternating(argvs, runs):
    """measure() of each argv, run in turn (a, b, c, a, b, c, ...) so that a
    machine whose load changes during the bench weighs on all alike"""
    res = [([], [], []) for _ in argvs]
    for _ in range(runs):
        for i, argv in enumerate(argvs):
            w, c, r, _ = measure(argv, runs=1)
            res[i][0].append(w)
            res[i][1].append(c)
            res[i][2].append(r)
    return [(statistics.median(w), statistics.median(c), statistics.median(r), "") for w, c, r in res]


def bench_bitlocker(d):
    """issue 20: the issue-22 server volume wrapped in BitLocker (mkbde:
    AES-XTS 128, a recovery password protector) scanned next to the plain
    volume; with --fvek (the per-byte cost of decrypting) and with the
    recovery password, whose unlock stretches it (2^20 SHA-256 rounds: a
    fixed cost per volume, whatever its size), timed apart as `info` with
    the recovery password minus `info` with the FVEK.  Median of at least
    7 runs, the cases alternated.  Returns (plain, recovery password, fvek,
    stretch in s)."""
    ivol = os.path.join(d, "issue.img")
    bde = os.path.join(d, "issue.bde")
    if not os.path.exists(bde):
        sh("'%s/mkbde' --volume '%s' --out '%s.tmp' --recovery-password %s --print-fvek > '%s.fvek' && mv '%s.tmp' '%s'"
           % (TOOLS, ivol, bde, BDE_RP, bde, bde, bde))
    fvek = open(bde + ".fvek").read().strip()
    runs = max(RUNS, 7)
    plain, fk, rp, irp, ifk = measure_alternating([
        [BIN, "scan", "--format", "json", ivol],
        [BIN, "scan", "--format", "json", "--fvek", fvek, bde],
        [BIN, "scan", "--format", "json", "--recovery-password", BDE_RP, bde],
        [BIN, "info", "--recovery-password", BDE_RP, bde],
        [BIN, "info", "--fvek", fvek, bde]], runs)
    return plain, rp, fk, max(irp[0] - ifk[0], 0.0)


def print_bitlocker(res):
    plain, rp, fk, stretch = res
    print("%-14s %9.3f %9.3f %10.1f   (issue 20: the issue-22 volume, plain)" % ("bde plain", plain[0], plain[1], plain[2] / 1024))
    print("%-14s %9.3f %9.3f %10.1f   (in BitLocker, --recovery-password: %.2fx)"
          % ("bde password", rp[0], rp[1], rp[2] / 1024, rp[0] / plain[0]))
    print("%-14s %9.3f %9.3f %10.1f   (in BitLocker, --fvek: %.2fx)"
          % ("bde fvek", fk[0], fk[1], fk[2] / 1024, fk[0] / plain[0]))
    print("%-14s %9.3f   (the recovery password's key stretch, once per volume: info --recovery-password - info --fvek)"
          % ("bde stretch", stretch))
    # the stretch is the unlock's fixed cost (BitLocker's own key
    # derivation), not the scan's: the 2x is judged on the scan
    print("issue 20: BitLocker scan <= 2x the plain one: --fvek %s (%.2fx); --recovery-password %s (%.2fx without its fixed key stretch of %.2f s; %.2fx with it)"
          % ("ok" if fk[0] <= 2 * plain[0] else "MISS", fk[0] / plain[0],
             "ok" if rp[0] - stretch <= 2 * plain[0] else "MISS", (rp[0] - stretch) / plain[0], stretch,
             rp[0] / plain[0]))


def main():
    if os.environ.get("BENCH_ONLY") == "bitlocker":
        os.environ["VSSDOCTOR_RULES"] = RULES
        h = hashlib.sha256(scenario().encode())
        for f in ("scenario.c", "regf_writer.c", "evtx_writer.c", "ntfs_builder.c", "disk_writer.c"):
            h.update(open(os.path.join(TOP, "testdata/lib", f), "rb").read())
        cache = os.path.join(os.environ.get("VSSD_BENCH_DIR", "/var/tmp/vssdoctor-bench"), h.hexdigest()[:16])
        os.makedirs(cache, exist_ok=True)
        load0 = loadavg()
        res = bench_bitlocker(build_issue(cache))
        print()
        print("vssdoctor bench, BitLocker only (median of %d runs, alternated, warm cache; load average %s before, %s after)"
              % (max(RUNS, 7), load0, loadavg()))
        print("%-14s %9s %9s %10s" % ("case", "wall s", "cpu s", "rss MiB"))
        print_bitlocker(res)
        return 0
    if os.environ.get("BENCH_ONLY") == "shadows":
        os.environ["VSSDOCTOR_RULES"] = RULES
        rows = shadows_bench()
        print()
        print("vssdoctor bench, shadow copies only (median of %d runs, warm cache)" % RUNS)
        print("%-14s %9s %9s %10s" % ("case", "wall s", "cpu s", "rss MiB"))
        print_shadows(*rows)
        return 0
    h = hashlib.sha256(scenario().encode())
    for f in ("scenario.c", "regf_writer.c", "evtx_writer.c", "ntfs_builder.c", "disk_writer.c"):
        h.update(open(os.path.join(TOP, "testdata/lib", f), "rb").read())
    cache = os.path.join(os.environ.get("VSSD_BENCH_DIR", "/var/tmp/vssdoctor-bench"), h.hexdigest()[:16])
    build(cache)
    env_rules = dict(os.environ, VSSDOCTOR_RULES=RULES)
    os.environ.update(env_rules)
    rows = []
    for name in ("disk64.vhdx", "disk4g.raw"):
        img = os.path.join(cache, name)
        wall, cpu, rss, err = measure([BIN, "scan", "-v", "--format", "json", img])
        m = re.search(r"read (\d+) bytes in (\d+) reads", err)
        rows.append((name, wall, cpu, rss, int(m.group(1)) if m else -1, int(m.group(2)) if m else -1))
    vol = os.path.join(cache, "volume.img")
    chain = [
        "evtxexport '%s/Application.evtx'" % cache,
        "evtxexport '%s/System.evtx'" % cache,
        "regfexport '%s/SYSTEM'" % cache,
        "ntfsls -R -p /Windows/Microsoft.NET '%s'" % vol,
        "ntfssecaudit -r '%s' /Windows/WinSxS/FileMaps" % vol,
        "ntfssecaudit '%s' /Windows/WinSxS/Temp/PendingRenames" % vol,
    ]
    tools_wall, tools_cpu = measure_shell(chain)

    # issue 6: 50,000 folders under Framework, in a volume of their own
    fw = os.path.join(cache, "framework50k.img")
    if not os.path.exists(fw):
        sh("printf 'size 1G\\nos 2016\\nfolders \"Windows\\\\Microsoft.NET\\\\Framework\\\\v4.0.30319\\\\Temporary ASP.NET Files\" 50000 t\\n'"
           " | '%s/mkscenario' '%s' -" % (TOOLS, fw))
    fw_wall, fw_cpu, fw_rss, _ = measure([BIN, "scan", "--format", "json", fw])

    # issue 5: the event collector alone on the writer's 60,000-record log,
    # next to evtxexport on the same file, in one run (tests/check_events.c)
    ev_line = ""
    ev_cpu_line = ""
    runner = os.path.join(TOP, O, "check_runner")
    if os.path.exists(runner):
        env = dict(os.environ, CK_RUN_CASE="bench", VSSD_BENCH="1", VSSD_BIN=BIN, VSSD_TOOLS=TOOLS,
                   VSSD_RULES=RULES, VSSD_SAMPLES=os.path.join(TOP, "..", "shared", "samples"),
                   VSSD_TMP=os.path.join(cache, "tmp"), VSSD_SRC=TOP)
        os.makedirs(env["VSSD_TMP"], exist_ok=True)
        p = subprocess.run([runner, "events"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in p.stdout.decode(errors="replace").splitlines():
            if line.startswith("events bench:"):
                ev_line = line
            if line.startswith("events bench cpu:"):
                ev_cpu_line = line

    # issue 22: the server image, the hand-chained tools on it, batches
    d = build_issue(cache)
    ivol = os.path.join(d, "issue.img")
    i_wall, i_cpu, i_rss, i_err = measure([BIN, "scan", "-v", "--format", "json", ivol])
    m = re.search(r"read (\d+) bytes in (\d+) reads", i_err)
    i_read = int(m.group(1)) if m else -1
    ichain = [
        "evtxexport '%s/System.evtx'" % d,
        "evtxexport '%s/Application.evtx'" % d,
        "regfexport '%s/SYSTEM'" % d,
        "ntfsls -R -p /Windows/Microsoft.NET '%s'" % ivol,
        "ntfssecaudit '%s' /Windows/WinSxS/Temp/PendingRenames" % ivol,
    ]
    it_wall, it_cpu = measure_shell(ichain)
    copies = sorted(os.path.join(d, "copies", f) for f in os.listdir(os.path.join(d, "copies")))
    one_wall, one_cpu, one_rss, _ = measure([BIN, "scan", "--format", "json", copies[0]])
    b_wall, b_cpu, b_rss, _ = measure([BIN, "scan", "-j", "2", "--format", "json"] + copies, runs=3)
    sizes = (os.path.getsize(os.path.join(d, "System.evtx")), os.path.getsize(os.path.join(d, "Application.evtx")))
    shadow_rows = shadows_bench()
    bde_res = bench_bitlocker(d)

    print()
    print("vssdoctor bench (median of %d runs, warm cache; fixture %s; load average %s)" % (RUNS, cache, loadavg()))
    print("%-14s %9s %9s %10s %14s %8s" % ("image", "wall s", "cpu s", "rss MiB", "bytes read", "reads"))
    for name, wall, cpu, rss, rd, nreads in rows:
        print("%-14s %9.3f %9.3f %10.1f %14d %8d" % (name, wall, cpu, rss / 1024, rd, nreads))
    print("%-14s %9.3f %9.3f   (evtxexport x2, regfexport SYSTEM, ntfsls -R, ntfssecaudit -r)"
          % ("hand-chained", tools_wall, tools_cpu))
    print("%-14s %9.3f %9.3f %10.1f   (50,000 folders under Framework: cause 4 counting)"
          % ("framework50k", fw_wall, fw_cpu, fw_rss / 1024))
    if ev_line:
        print(ev_line)
    if ev_cpu_line:
        print(ev_cpu_line)
    print("%-14s %9.3f %9.3f %10.1f %14d   (issue 22: 256 MiB volume, System.evtx %.1f MB, Application.evtx %.1f MB, 5,000 folders)"
          % ("server image", i_wall, i_cpu, i_rss / 1024, i_read, sizes[0] / 1e6, sizes[1] / 1e6))
    print("%-14s %9.3f %9.3f   (evtxexport x2, regfexport SYSTEM, ntfsls -R, ntfssecaudit: %.0fx the scan)"
          % ("hand-chained", it_wall, it_cpu, it_wall / max(i_wall, 1e-9)))
    print("%-14s %9.3f %9.3f %10.1f   (one demo image)" % ("single scan", one_wall, one_cpu, one_rss / 1024))
    print("%-14s %9.3f %9.3f %10.1f   (100 demo images, -j 2: %.2fx of 50 single scans)"
          % ("batch -j 2", b_wall, b_cpu, b_rss / 1024, b_wall / max(50 * one_wall, 1e-9)))
    print_shadows(*shadow_rows)
    vhdx, raw = rows[0], rows[1]
    print()
    print("targets: vhdx wall <= 1.5 s: %s (%.3f); rss <= 256 MiB: %s (%.1f); read <= 200 MB: %s (%.1f MB)"
          % ("ok" if vhdx[1] <= 1.5 else "MISS", vhdx[1], "ok" if vhdx[3] <= 256 * 1024 else "MISS",
             vhdx[3] / 1024, "ok" if 0 <= vhdx[4] <= 200e6 else "MISS", vhdx[4] / 1e6))
    diff = abs(vhdx[1] - raw[1]) / max(raw[1], 1e-9)
    print("         raw 4 GiB vs 64 GiB vhdx within 20%%: %s (%.0f%%); >= 10x faster than the tools: %s (%.1fx)"
          % ("ok" if diff <= 0.2 else "MISS", diff * 100, "ok" if tools_wall / vhdx[1] >= 10 else "MISS",
             tools_wall / vhdx[1]))
    m = re.search(r"load [0-9.]+ s \(([0-9.]+) MB/s\).*evtxexport [0-9.]+ s \(([0-9.]+) MB/s", ev_line)
    skim, evx = (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)
    print("issue 22: server image <= 0.10 s: %s (%.3f); >= 40x the tools: %s (%.0fx); vhdx <= 0.25 s: %s (%.3f)"
          % ("ok" if i_wall <= 0.10 else "MISS", i_wall, "ok" if it_wall / i_wall >= 40 else "MISS",
             it_wall / i_wall, "ok" if vhdx[1] <= 0.25 else "MISS", vhdx[1]))
    # "peak RSS no more than 1.5x the bytes it must hold": the bytes the
    # scan reads (copied or lent, -v's count) are what it must hold
    for name, rss_kib, rd in (("server image", i_rss, i_read), ("vhdx", vhdx[3], vhdx[4])):
        ratio = rss_kib * 1024.0 / rd if rd > 0 else 0.0
        print("          %s peak RSS <= 1.5x the bytes read: %s (%.1f MiB for %.1f MB: %.2fx)"
              % (name, "ok" if 0 < ratio <= 1.5 else "MISS", rss_kib / 1024, rd / 1e6, ratio))
    print("          100 images -j 2 <= 1.2 x 50 single scans: %s (%.2fx); skim >= 300 MB/s: %s (%.0f); >= 10x evtxexport: %s (%.0fx)"
          % ("ok" if b_wall <= 1.2 * 50 * one_wall else "MISS", b_wall / max(50 * one_wall, 1e-9),
             "ok" if skim >= 300 else "MISS", skim, "ok" if evx and skim / evx >= 10 else "MISS",
             skim / evx if evx else 0))
    print_bitlocker(bde_res)


if __name__ == "__main__":
    sys.exit(main())
