/* The EventData text of Microsoft-Windows-CAPI2 event 513 / 512 (DOMAIN.md
 * "Event 513 tells you which cause"):
 *   Details:
 *   AddLegacyDriverFiles: Unable to back up image of binary <DisplayName>.
 *
 *   System Error:
 *   Access is denied.
 * The function token (not localised) is the diagnosis; the system-error
 * text is localised, so only English wording and numbers are recognised. */
#ifndef VSSD_CAPI2_H
#define VSSD_CAPI2_H

#include <stdint.h>

#include "err.h"

enum capi2_kind {
	CAPI2_UNKNOWN,
	CAPI2_CORE_CSI_ACCESS_DENIED,      /* AddCoreCsiFiles: BeginFileEnumeration(): cause 1 */
	CAPI2_CORE_CSI_JUNCTION,           /* AddCoreCsiFiles : RtlConvertNtFilePathToWin32Path(): junctions */
	CAPI2_LEGACY_DRIVER_ACCESS_DENIED, /* AddLegacyDriverFiles ... binary X + access denied: cause 3 */
	CAPI2_LEGACY_DRIVER_NOT_FOUND,     /* AddLegacyDriverFiles + file not found: ImagePath to a missing file */
	CAPI2_LEGACY_DRIVER_BAD_PATH,      /* AddLegacyDriverFiles + path syntax (123 / 0x8007007B):
					      an ImagePath it cannot parse */
};

struct capi2_details {
	enum capi2_kind kind;
	char function[128];       /* "AddLegacyDriverFiles" */
	char subject[512];        /* the display name after "binary ", else "" */
	char system_error[512];   /* "Access is denied." (lines joined by ' ') */
	uint32_t error_code;      /* 0x80070005 / 5 / 0xC0000039 when the text has a number, else 0 */
	char detail[512];         /* the text after the function: "BeginFileEnumeration() failed." */
};

/* Parse text (CRLF or LF; with or without the "Details:" header and the
 * message's first sentence).  Kinds:
 * - AddCoreCsiFiles + BeginFileEnumeration(): CORE_CSI_ACCESS_DENIED unless
 *   the system error is recognised as something other than access denied;
 * - AddCoreCsiFiles + RtlConvertNtFilePathToWin32Path(): CORE_CSI_JUNCTION;
 * - AddLegacyDriverFiles: LEGACY_DRIVER_ACCESS_DENIED, _NOT_FOUND or
 *   _BAD_PATH when the error is recognised (English text, 5 / 0x80070005,
 *   2 / 3 / 0x80070002 / 0x80070003, 123 / 0x8007007B), else UNKNOWN
 *   (function and subject kept).
 * The rows of this classification are one table in capi2.c.
 * Returns 1 when a "<function>: <text>" line was found, 0 when the text
 * has none (out->kind UNKNOWN), negative on bad input (NULL, too long). */
int capi2_parse(const char *text, struct capi2_details *out, struct err *err);

/* "AddCoreCsiFiles BeginFileEnumeration (cause 1)"-style short name of a
 * kind, for reports and tests. */
const char *capi2_kind_name(enum capi2_kind kind);

/* The cause or finding id a kind proves ("cause1", "profile-junction",
 * "service-sd-blocks-writer", "service-binary-missing",
 * "service-imagepath-invalid"), NULL for CAPI2_UNKNOWN. */
const char *capi2_kind_finding(enum capi2_kind kind);

/* The rules' "capi2" names ("core_csi_junction", ...): 1 found (*kind
 * set), 0 unknown; and back (NULL for CAPI2_UNKNOWN). */
int capi2_kind_from_name(const char *name, enum capi2_kind *kind);
const char *capi2_kind_id(enum capi2_kind kind);

/* The same names for the rules' validation: the kind, or -1; the i-th
 * name, NULL past the last (for messages). */
int capi2_kind_from_id(const char *id);
const char *capi2_kind_ids(size_t i);

#endif
