/* Service ImagePath / ServiceDll -> the volume-relative path of the binary
 * ("Windows\System32\svchost.exe"), so the caller can look it up on the
 * Windows volume (case-insensitively: the case of the input is kept). */
#ifndef VSSD_SVCPATH_H
#define VSSD_SVCPATH_H

#include <stddef.h>

#include "err.h"

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

#endif
