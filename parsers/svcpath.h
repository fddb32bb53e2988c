/* Service ImagePath / ServiceDll -> the volume-relative path of the binary
 * ("Windows\System32\svchost.exe"), so the caller can look it up on the
 * Windows volume (case-insensitively: the case of the input is kept). */
#ifndef VSSD_SVCPATH_H
#define VSSD_SVCPATH_H

#include <stddef.h>

#include "err.h"
#include "limits.h"

/* Normalise image_path given systemroot (the Windows folder relative to
 * its volume, e.g. "Windows"; "C:\Windows" and "\Windows" are accepted).
 * Handles: surrounding quotes and arguments (svchost's " -k netsvcs -p",
 * " -s X"; an unquoted path with spaces is cut after the first
 * ".exe"/".sys"/".dll" followed by a space); %SystemRoot% %windir%
 * %SystemDrive% %ProgramFiles% %ProgramFiles(x86)% %ProgramW6432%
 * %CommonProgramFiles% %CommonProgramFiles(x86)% %ProgramData%
 * %ALLUSERSPROFILE% (case-insensitive); "\SystemRoot\", "\??\C:\",
 * "\\?\C:\", "\DosDevices\C:\", "C:\" prefixes; paths relative to the
 * system root ("system32\drivers\x.sys", as the kernel loads drivers); a
 * bare file name ("x.exe") is taken from <systemroot>\System32; '/' as a
 * separator; "." and ".." components; doubled separators.
 * The drive letter is dropped (see svcpath_drive()).
 * 0; -E_CORRUPT for an empty or unusable path, -E_UNSUPPORTED for an
 * unknown %VARIABLE% or a device path (\Device\..., \??\GLOBALROOT),
 * -E_LIMIT when out is too small or the path exceeds LIMIT_PATH_LEN. */
int svcpath_normalize(const char *image_path, const char *systemroot,
		      char *out, size_t size, struct err *err);

/* The drive letter the path names ('C' for "C:\...", "\??\D:\...",
 * "\\?\E:\..."; quotes skipped), uppercase, or 0 when it names none (the
 * path is then on the system volume). */
char svcpath_drive(const char *image_path);

/* What makes an ImagePath unusable to the System Writer, which walks every
 * service and driver to list their binaries and gives up on a path it
 * cannot resolve (KB 968247, KB 980794; DOMAIN.md "Beyond the four
 * causes"). */
enum svcpath_problem {
	SVCPATH_FORWARD_SLASH = 1 << 0,   /* '/' in the path part (not in arguments) */
	SVCPATH_UNBALANCED_QUOTES = 1 << 1, /* an odd number of '"' in the line */
	SVCPATH_RELATIVE = 1 << 2,        /* relative, and not Windows' own
					     "system32\..." / "SysWOW64\..." form */
	SVCPATH_UNC = 1 << 3,             /* \\server\share\..., \??\UNC\... */
};

#define SVCPATH_CHECK_MAX (LIMIT_PATH_LEN + 64)

struct svcpath_check {
	unsigned problems;                /* enum svcpath_problem bits */
	char path[SVCPATH_CHECK_MAX];     /* the path part as written, quotes removed */
	char args[SVCPATH_CHECK_MAX];     /* what follows it, as written ("" none) */
	char corrected[SVCPATH_CHECK_MAX];/* the command line with the problems
					     fixed ("" when there is none to
					     fix, or it cannot be guessed: UNC);
					     the path quoted when it holds a
					     blank or arguments follow */
};

/* Look at one ImagePath command line.  is_driver picks the absolute form
 * of a relative path ("\SystemRoot\x" for drivers, "%SystemRoot%\x"
 * for services; the caller may know better from the volume).  Paths with
 * %VARIABLES%, \SystemRoot\, \??\ or a drive letter are not relative;
 * the drive letter itself is the caller's to judge (svcpath_drive).
 * 0, or -E_CORRUPT for NULL / empty, -E_LIMIT for a line over
 * LIMIT_PATH_LEN. */
int svcpath_check(const char *image_path, int is_driver, struct svcpath_check *out,
		  struct err *err);

/* "forward slashes, unbalanced quotes" for people (buf NUL-terminated). */
void svcpath_problem_names(unsigned problems, char *buf, size_t size);

#endif
