/* What the registry judges share (services_running.c,
 * service_descriptors.c, service_sd_blocks_writer.c,
 * service_binary_missing.c, vss_access_control.c, win2003.c,
 * hive_state.c): the SYSTEM hive of the scan, a registry evidence item,
 * service rights in and out of SDDL, and the "A, B and N more" lists of
 * the summaries. */
#ifndef VSSD_REGISTRY_UTIL_H
#define VSSD_REGISTRY_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "checks.h"
#include "registry.h"

/* The SCM's built-in default descriptor (DOMAIN.md cause 3), used when a
 * rule names none. */
#define SCM_DEFAULT_SDDL "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)"
/* A Security value secdesc_parse calls corrupt fails Windows' own
 * checks (RtlValidRelativeSecurityDescriptor, RtlValidAcl): the service
 * control manager would refuse it, so it protects nothing and grants
 * nothing; that, not "could not be read", is what the user needs. */
#define INVALID_VERDICT "invalid descriptor"
#define INVALID_NOTE "Windows would refuse this descriptor (it fails RtlValidSecurityDescriptor): " \
	"the service control manager cannot use it; set a valid one with sc sdset"

/* The System Writer's token when a rule names none (NULL-terminated). */
extern const char *const checks_writer_default[];

/* The scan's registry and its SYSTEM hive; <0 with the hive's one-line
 * error.  Both borrowed from the evidence. */
int checks_open_system(const struct evidence *ev, struct registry **reg,
		       struct hive **sys, struct err *err);

/* {"kind": "registry", "path": ..., "hive": ...} (+ "replayed": true when
 * the hive came from its transaction logs); a new reference. */
json_t *checks_registry_item(const struct reg_hive_info *hi, const char *path);

/* Service rights as words ("QUERY_CONFIG|START"), a JSON string. */
json_t *checks_rights_json(uint32_t mask);

/* Rights given as SDDL rights fields ("CC", "LC", "CCLCRC", "0x20000"),
 * OR-ed and with generic bits mapped for services; def when arr is not
 * an array.  0 or <0 naming the bad element. */
int checks_rights_from(json_t *arr, uint32_t def, uint32_t *out,
		       struct err *err);

/* The end of a walk over every service: present when any was bad, else
 * <0 "N service key(s) could not be read: FIRST" when some could not be
 * read, else absent. */
int checks_services_verdict(struct result *res, int bad, unsigned unreadable,
			    const char *first_bad, struct err *err);

/* "A, B, C" into buf, the first 20 items; *n counts every item.
 * checks_join_finish adds " and N more" past 20. */
void checks_join_add(char *buf, size_t size, const char *item, size_t *n);
void checks_join_finish(char *buf, size_t size, size_t n);

#endif
