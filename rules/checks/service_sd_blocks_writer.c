/* service-sd-blocks-writer (KB 3209092): every service and driver whose
 * descriptor keeps the System Writer's token from reading its
 * configuration; the fix is the same descriptor with params.append_ace at
 * the end of its DACL. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "acl_util.h"
#include "limits.h"
#include "registry_util.h"
#include "sddl.h"
#include "secdesc.h"
#include "services.h"

struct blocks_ctx {
	struct registry *reg;
	struct result *res;
	struct token writer;
	uint32_t need;
	struct ace append;       /* params.append_ace */
	int have_append;
	json_t *services, *fixed;
	char names[1024];
	size_t nblocked, nnames;
	unsigned total, with_sd, stubs, undecodable;
	int drivers_only;        /* params.drivers_only */
	char first_bad[600];
};

/* A descriptor Windows would refuse locks the writer out as surely as a
 * DACL without its SIDs: listed, with the SCM default as the fix. */
/* The evidence item for a service's Security value. */
static json_t *security_item(const struct blocks_ctx *c, const struct svc *sv)
{
	char path[400];
	json_t *ev;

	snprintf(path, sizeof(path), "%s\\Security", sv->key);
	ev = checks_registry_item(&c->reg->system, path);
	json_object_set_new(ev, "value", json_string("Security"));
	json_object_set_new(ev, "service", json_string(sv->name));
	if (sv->display_name)
		json_object_set_new(ev, "display_name", json_string(sv->display_name));
	json_object_set_new(ev, "driver", json_boolean(svc_is_driver(sv)));
	return ev;
}

static int blocks_invalid(struct blocks_ctx *c, const struct svc *sv, const char *why)
{
	json_t *ev;

	c->nblocked++;
	checks_join_add(c->names, sizeof(c->names), sv->name, &c->nnames);
	json_array_append_new(c->services, json_string(sv->name));
	json_array_append_new(c->fixed, json_string(SCM_DEFAULT_SDDL));
	if (c->nblocked <= LIMIT_EVIDENCE_ITEMS) {
		ev = security_item(c, sv);
		json_object_set_new(ev, "sddl", json_null());
		json_object_set_new(ev, "size", json_integer((json_int_t)sv->sd_len));
		json_object_set_new(ev, "error", json_string(why));
		json_object_set_new(ev, "verdict", json_string(INVALID_VERDICT));
		json_object_set_new(ev, "fixed_sddl", json_string(SCM_DEFAULT_SDDL));
		json_object_set_new(ev, "note", json_string(INVALID_NOTE));
		json_array_append_new(c->res->evidence, ev);
	}
	return 0;
}

static int blocks_one(void *ctx, struct svc *sv)
{
	struct blocks_ctx *c = ctx;

	/* AddLegacyDriverFiles opens the driver records (KB 3209092's MsLldp
	 * is a kernel driver); Win32 services that hide their configuration
	 * (stock FlexNet, PNRPAutoReg, wcncsvc...) do not stop it */
	if (c->drivers_only && !sv->unreadable && !svc_is_driver(sv))
		return 0;
	struct secdesc sd, fixed;
	struct err e;
	uint32_t got;
	char *sddl = NULL, *fsddl = NULL;
	json_t *ev;

	c->total++;
	if (sv->unreadable) {
		if (!c->undecodable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%s: %s", sv->name, sv->bad);
		return 0;
	}
	if (sv->sd_error[0]) {
		if (!c->undecodable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%s: %s", sv->name, sv->sd_error);
		return 0;
	}
	if (sv->sd_state == SVC_SD_STUB)
		c->stubs++;
	if (sv->sd_state != SVC_SD_PRESENT)
		return 0;   /* the SCM default, which lets SERVICE (SU) query */
	c->with_sd++;
	err_init(&e);
	memset(&fixed, 0, sizeof(fixed));
	if (secdesc_parse(sv->sd, sv->sd_len, &sd, &e) < 0) {
		secdesc_release(&sd);
		if (e.code == -E_CORRUPT)
			return blocks_invalid(c, sv, e.msg);
		if (!c->undecodable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%.100s: Security: %.400s", sv->name, e.msg);
		return 0;
	}
	got = access_effective(&sd, &c->writer, ACCESS_SERVICE);
	if ((got & c->need) == c->need) {
		secdesc_release(&sd);
		return 0;
	}
	c->nblocked++;
	checks_join_add(c->names, sizeof(c->names), sv->name, &c->nnames);
	err_init(&e);
	if (sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &sddl, &e) < 0)
		sddl = NULL;
	/* the fix: the same descriptor with params.append_ace at the end of
	 * its DACL (KB 3209092), built by decoding and encoding */
	if (c->have_append && secdesc_copy(&fixed, &sd, &e) == 0) {
		if (!fixed.has_dacl) {
			fixed.has_dacl = 1;
			fixed.dacl.revision = 2;
		}
		fixed.control |= SE_DACL_PRESENT;
		if (acl_append(&fixed.dacl, &c->append, &e) < 0 ||
		    sddl_encode(&fixed, SDDL_RIGHTS_SERVICE, &fsddl, &e) < 0)
			fsddl = NULL;
	}
	json_array_append_new(c->services, json_string(sv->name));
	json_array_append_new(c->fixed, fsddl ? json_string(fsddl) : json_string(""));
	if (c->nblocked <= LIMIT_EVIDENCE_ITEMS) {
		ev = security_item(c, sv);
		json_object_set_new(ev, "sddl", sddl ? json_string(sddl) : json_null());
		json_object_set_new(ev, "effective", json_pack("{s:o}", "writer", checks_rights_json(got)));
		json_object_set_new(ev, "lacking", json_pack("{s:o}", "writer", checks_rights_json(c->need & ~got)));
		if (fsddl) {
			json_object_set_new(ev, "fixed_sddl", json_string(fsddl));
			if ((access_effective(&fixed, &c->writer, ACCESS_SERVICE) & c->need) != c->need)
				json_object_set_new(ev, "note", json_string(
					"appending the ACE is not enough: a deny ACE for the writer's token comes first; remove it"));
		}
		json_array_append_new(c->res->evidence, ev);
	}
	free(sddl);
	free(fsddl);
	secdesc_release(&fixed);
	secdesc_release(&sd);
	return 0;
}

static int sd_blocks_writer(const struct evidence *ev, const struct rule *r,
			    struct result *res, struct err *err)
{
	struct blocks_ctx c;
	struct hive *sys = NULL;
	struct secdesc app;
	const char *append = rule_param_str(r, "append_ace", "(A;;CCLCSWLOCRRC;;;SU)");
	char *text = NULL, path[64];
	json_t *count;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&app, 0, sizeof(app));
	c.res = res;
	c.services = json_array();
	c.fixed = json_array();
	c.drivers_only = !json_is_false(rule_param(r, "drivers_only"));
	if ((rc = acl_token_from(rule_param(r, "writer_token"), checks_writer_default, "writer_token", &c.writer, err)) < 0 ||
	    (rc = checks_rights_from(rule_param(r, "required_rights"),
			      SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS | ACCESS_READ_CONTROL,
			      &c.need, err)) < 0)
		goto out;
	if (asprintf(&text, "D:%s", append) < 0) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = sddl_decode(text, &app, NULL, err);
	if (rc < 0 || app.dacl.count != 1) {
		rc = rc < 0 ? err_wrap(err, "append_ace") :
			err_set(err, -E_USAGE, "append_ace: one ACE expected");
		goto out;
	}
	c.append = app.dacl.aces[0];
	c.have_append = 1;
	if ((rc = checks_open_system(ev, &c.reg, &sys, err)) < 0)
		goto out;
	rc = svc_foreach(sys, c.reg->control_set, blocks_one, &c, NULL, err);
	if (rc < 0)
		goto out;
	checks_join_finish(c.names, sizeof(c.names), c.nnames);
	snprintf(path, sizeof(path), "%s\\Services", c.reg->control_set);
	count = checks_registry_item(&c.reg->system, path);
	json_object_set_new(count, "services", json_integer(c.total));
	json_object_set_new(count, "with_descriptor", json_integer(c.with_sd));
	json_object_set_new(count, "stub_descriptors", json_integer(c.stubs));
	json_object_set_new(count, "blocking", json_integer((json_int_t)c.nblocked));
	json_object_set_new(count, "listed", json_integer((json_int_t)(c.nblocked < LIMIT_EVIDENCE_ITEMS ?
								     c.nblocked : LIMIT_EVIDENCE_ITEMS)));
	if (c.undecodable)
		json_object_set_new(count, "undecodable", json_integer(c.undecodable));
	json_array_append_new(res->evidence, count);
	json_object_set_new(res->vars, "service", json_incref(c.services));
	json_object_set_new(res->vars, "fixed_sddl", json_incref(c.fixed));
	json_object_set_new(res->vars, "count", json_integer((json_int_t)c.nblocked));
	json_object_set_new(res->vars, "services", json_string(c.names));
	if (c.nblocked)
		res->status = STATUS_PRESENT;
	else if (c.undecodable)
		rc = err_set(err, -E_CORRUPT, "%u descriptor(s) invalid or undecodable: %s",
			     c.undecodable, c.first_bad);
	else
		res->status = STATUS_ABSENT;
out:
	free(text);
	secdesc_release(&app);
	json_decref(c.services);
	json_decref(c.fixed);
	return rc < 0 ? rc : 0;
}

static const struct param_def blocks_params[] = {
	{ "writer_token", PARAM_ARRAY, 0, "[t]" },
	{ "drivers_only", PARAM_BOOL, 0, "b" },
	{ "required_rights", PARAM_ARRAY, 0, "[r]" },
	{ "append_ace", PARAM_STRING, 0, "s" },
	{ NULL, 0, 0, NULL },
};

static const char *const service_sd_blocks_writer_vars[] = { "service", "fixed_sddl", "count", "services", NULL };
const struct check_def check_def_service_sd_blocks_writer = {
	"service_sd_blocks_writer", sd_blocks_writer, blocks_params, service_sd_blocks_writer_vars, 0,
};
