/* The command line (DESIGN.md "Command line": a contract). */
#define _GNU_SOURCE
#include "cli_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "info.h"
#include "demo.h"
#include "sddl_cmd.h"
#include "cmd_repair.h"

void cli_usage(FILE *f)
{
	fputs("usage: vssdoctor scan [options] SOURCE...  diagnose a Windows disk offline\n"
	      "       vssdoctor info [--format text|json] [BitLocker options] SOURCE\n"
	      "                                          format, partitions, volumes, Windows\n"
	      "       vssdoctor sddl [--kind K] [--format text|json|sddl] HEX|@FILE|SDDL\n"
	      "                                          decode a descriptor, effective rights\n"
	      "       vssdoctor demo [DIR]               build a small broken image and scan it\n"
	      "       vssdoctor repair --plan SOURCE     the changes that would fix what scan found\n"
	      "       vssdoctor repair --apply --output TARGET SOURCE\n"
	      "                                          write them into TARGET, a qcow2 overlay of\n"
	      "                                          SOURCE (never written); rescan; undo journal\n"
	      "                                          (--copy: a sparse raw copy; --in-place\n"
	      "                                          --i-have-a-backup: SOURCE itself, raw only)\n"
	      "       vssdoctor repair --undo JOURNAL TARGET  put the old bytes back\n"
	      "       vssdoctor --version | --help\n"
	      "\n"
	      "SOURCE: a raw disk or volume image, a block device, VHD/VHDX, E01, VMDK,\n"
	      "QCOW2, or the root directory of a mounted Windows volume.  Opened read-only.\n"
	      "\n"
	      "scan options:\n"
	      "  --format FORMAT           text (default), json, junit, markdown (for a\n"
	      "                            ticket) or html (one self-contained file)\n"
	      "  -o FILE                   write the report to FILE (default stdout)\n"
	      "  --partition N             use partition N (see 'vssdoctor info')\n"
	      "  --offset BYTES            use the NTFS volume at this byte offset\n"
	      "  --rules DIR               rules to use instead of the installed ones\n"
	      "  --baseline FILE           compare against a golden-image baseline\n"
	      "  --save-baseline FILE      write this image's state as a baseline\n"
	      "  --threshold-aspnet N      cause 4's folder limit (default from the rule: 1000)\n"
	      "  --no-replay               judge dirty hives without replaying their logs\n"
	      "  --shadows                 also run every check on each shadow copy of the\n"
	      "                            volume (oldest first): history and last good values\n"
	      "  --shadow N                the same with shadow copy store N only ('info' lists them)\n"
	      "  -q                        quiet: the verdict line only (text)\n"
	      "  -v                        more evidence; timings and bytes read on stderr\n"
	      "  --no-color                no colour even on a terminal\n"
	      "  --progress                progress lines on stderr\n"
	      "  -j N                      scan N sources at a time (default: the number of\n"
	      "                            cores; -j 1 one after the other); reports keep\n"
	      "                            the order of the SOURCEs\n"
	      "\n"
	      "BitLocker (scan and info; each also --OPTION-file PATH, first line, or\n"
	      "the environment variable shown; nothing decrypted is written anywhere):\n"
	      "  --recovery-password DIGITS  48-digit recovery password  VSSD_RECOVERY_PASSWORD\n"
	      "  --password PW             user password                 VSSD_PASSWORD\n"
	      "  --key-file FILE.BEK       startup or recovery key file  VSSD_KEY_FILE\n"
	      "  --fvek HEX                full volume encryption key    VSSD_FVEK\n"
	      "\n"
	      "exit status: 0 no cause present and every check ran; 1 at least one cause\n"
	      "(or a finding of severity failure, e.g. baseline drift) present; 2 bad\n"
	      "usage or unreadable source; 3 nothing present but some checks could not run.\n", f);
}

int cli_die_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vssdoctor: %s (see 'vssdoctor --help')\n", msg);
	return 2;
}

int cli_parse_long(const char *s, long long min, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min)
		return -1;
	*out = v;
	return 0;
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("vssdoctor %s\n", VSSD_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cli_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "scan") == 0)
		return cli_main_scan(argc - 1, argv + 1);
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 1, argv + 1);
	if (strcmp(argv[1], "sddl") == 0)
		return cmd_sddl(argc - 1, argv + 1);
	if (strcmp(argv[1], "demo") == 0)
		return cmd_demo(argc - 1, argv + 1);
	if (strcmp(argv[1], "repair") == 0)
		return cmd_repair(argc - 1, argv + 1);
	fprintf(stderr, "vssdoctor: unknown command '%s' (see 'vssdoctor --help')\n", argv[1]);
	return 2;
}

