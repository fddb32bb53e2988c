/* SDDL (MS-DTYP 2.5.1) encoder and decoder.
 *
 * The encoder follows what Windows' ConvertSecurityDescriptorToString-
 * SecurityDescriptor prints: components O: G: D: S:; DACL/SACL flags P AR
 * AI; ACE flags in bit order OI CI NP IO ID CR SA FA; masks as an exact
 * alias, else letters in bit order, else lowercase hex; SIDs as an alias
 * when Windows has one, else "S-1-...".  The decoder is sddl_parse.c. */
#include "sddl_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "condexpr.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* One letter pair per bit, in bit order (MS-DTYP 2.5.1.1 "ace_rights"). */
static const struct token right_bits[] = {
	{ "CC", 0x00000001 }, { "DC", 0x00000002 }, { "LC", 0x00000004 },
	{ "SW", 0x00000008 }, { "RP", 0x00000010 }, { "WP", 0x00000020 },
	{ "DT", 0x00000040 }, { "LO", 0x00000080 }, { "CR", 0x00000100 },
	{ "SD", 0x00010000 }, { "RC", 0x00020000 }, { "WD", 0x00040000 },
	{ "WO", 0x00080000 }, { "GA", 0x10000000 }, { "GX", 0x20000000 },
	{ "GW", 0x40000000 }, { "GR", 0x80000000 },
};

/* Whole-mask aliases, checked first (KR before KX: both are 0x20019). */
static const struct token right_aliases[] = {
	{ "FA", 0x001f01ff }, { "FR", 0x00120089 }, { "FW", 0x00120116 },
	{ "FX", 0x001200a0 }, { "KA", 0x000f003f }, { "KR", 0x00020019 },
	{ "KW", 0x00020006 }, { "KX", 0x00020019 },
};

/* Mandatory label policy bits (MS-DTYP 2.4.4.13), in bit order. */
static const struct token label_bits[] = {
	{ "NW", 0x1 }, { "NR", 0x2 }, { "NX", 0x4 },
};

static const struct token ace_flag_names[] = {
	{ "OI", ACE_OBJECT_INHERIT }, { "CI", ACE_CONTAINER_INHERIT },
	{ "NP", ACE_NO_PROPAGATE_INHERIT }, { "IO", ACE_INHERIT_ONLY },
	{ "ID", ACE_INHERITED }, { "CR", ACE_CRITICAL },
	{ "SA", ACE_SUCCESSFUL_ACCESS }, { "FA", ACE_FAILED_ACCESS },
};

static const struct token ace_types[] = {
	{ "A", ACE_ACCESS_ALLOWED }, { "D", ACE_ACCESS_DENIED },
	{ "AU", ACE_SYSTEM_AUDIT }, { "AL", ACE_SYSTEM_ALARM },
	{ "OA", ACE_ACCESS_ALLOWED_OBJECT }, { "OD", ACE_ACCESS_DENIED_OBJECT },
	{ "OU", ACE_SYSTEM_AUDIT_OBJECT }, { "OL", ACE_SYSTEM_ALARM_OBJECT },
	{ "XA", ACE_ACCESS_ALLOWED_CALLBACK }, { "XD", ACE_ACCESS_DENIED_CALLBACK },
	{ "ZA", ACE_ACCESS_ALLOWED_CALLBACK_OBJECT },
	{ "XU", ACE_SYSTEM_AUDIT_CALLBACK },
	{ "ML", ACE_SYSTEM_MANDATORY_LABEL }, { "RA", ACE_SYSTEM_RESOURCE_ATTRIBUTE },
	{ "SP", ACE_SYSTEM_SCOPED_POLICY_ID }, { "TL", ACE_SYSTEM_PROCESS_TRUST_LABEL },
	{ "FL", ACE_SYSTEM_ACCESS_FILTER },
};

#define TABLE(a) { a, ARRAY_LEN(a) }

const struct token_table sddl_right_bits = TABLE(right_bits);
const struct token_table sddl_right_aliases = TABLE(right_aliases);
const struct token_table sddl_label_bits = TABLE(label_bits);
const struct token_table sddl_ace_flag_names = TABLE(ace_flag_names);
const struct token_table sddl_ace_types = TABLE(ace_types);

const char *sddl_ace_type_name(uint8_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(ace_types); i++)
		if (ace_types[i].value == type)
			return ace_types[i].name;
	return NULL;
}

/* ---- encoding ---------------------------------------------------------- */

/* A bounded writer: keeps NUL-terminating, remembers overflow. */
struct out {
	char *buf;
	size_t size, len;
	int full;
};

static void out_add(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->full || o->len + n >= o->size) {
		if (!o->full && o->size) {
			size_t room = o->size - 1 - o->len;
			memcpy(o->buf + o->len, s, room);
			o->len += room;
			o->buf[o->len] = '\0';
		}
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n + 1);
	o->len += n;
}

int sddl_rights_encode(uint32_t mask, uint8_t ace_type, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	const struct token *bits = right_bits;
	size_t i, nbits = ARRAY_LEN(right_bits);
	uint32_t covered = 0;
	char hex[16];

	if (!buf || !size)
		return -E_LIMIT;
	buf[0] = '\0';
	if (mask == 0)
		return 0;
	if (ace_type == ACE_SYSTEM_MANDATORY_LABEL) {
		bits = label_bits;
		nbits = ARRAY_LEN(label_bits);
	} else {
		for (i = 0; i < ARRAY_LEN(right_aliases); i++)
			if (right_aliases[i].value == mask) {
				out_add(&o, right_aliases[i].name);
				return o.full ? -E_LIMIT : 0;
			}
	}
	for (i = 0; i < nbits; i++)
		covered |= bits[i].value;
	if (mask & ~covered) {
		snprintf(hex, sizeof(hex), "0x%x", (unsigned)mask);
		out_add(&o, hex);
		return o.full ? -E_LIMIT : 0;
	}
	for (i = 0; i < nbits; i++)
		if (mask & bits[i].value)
			out_add(&o, bits[i].name);
	return o.full ? -E_LIMIT : 0;
}

static void out_guid(struct out *o, const uint8_t *g)
{
	char s[40];

	snprintf(s, sizeof(s),
		 "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 (unsigned)le32(g), (unsigned)le16(g + 4), (unsigned)le16(g + 6),
		 g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
	out_add(o, s);
}

static void out_sid(struct out *o, const struct sid *s)
{
	char str[SID_STR_MAX];
	const char *alias = sid_alias(s);

	if (alias) {
		out_add(o, alias);
		return;
	}
	sid_to_string(s, str, sizeof(str));
	out_add(o, str);
}

/* A growing string for whole descriptors. */
struct dyn {
	char *p;
	size_t len, cap;
	int oom;
};

static void dyn_add(struct dyn *d, const char *s)
{
	size_t n = strlen(s);
	char *np;

	if (d->oom)
		return;
	if (d->len + n + 1 > d->cap) {
		size_t cap = d->cap ? d->cap : 256;
		while (cap < d->len + n + 1)
			cap *= 2;
		np = realloc(d->p, cap);
		if (!np) {
			d->oom = 1;
			return;
		}
		d->p = np;
		d->cap = cap;
	}
	memcpy(d->p + d->len, s, n + 1);
	d->len += n;
}

int sddl_ace_is_callback(uint8_t type)
{
	return type == ACE_ACCESS_ALLOWED_CALLBACK || type == ACE_ACCESS_DENIED_CALLBACK ||
	       type == ACE_ACCESS_ALLOWED_CALLBACK_OBJECT || type == ACE_SYSTEM_AUDIT_CALLBACK;
}

/* "(T;F;R;G;I;SID" without the closing parenthesis.  0, -E_LIMIT,
 * -E_UNSUPPORTED for a type SDDL cannot name. */
static int ace_head(const struct ace *a, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	const char *type = sddl_ace_type_name(a->type);
	char rights[64];
	size_t i;

	if (!buf || !size)
		return -E_LIMIT;
	buf[0] = '\0';
	if (!type)
		return -E_UNSUPPORTED;
	out_add(&o, "(");
	out_add(&o, type);
	out_add(&o, ";");
	for (i = 0; i < ARRAY_LEN(ace_flag_names); i++)
		if (a->flags & ace_flag_names[i].value)
			out_add(&o, ace_flag_names[i].name);
	out_add(&o, ";");
	sddl_rights_encode(a->mask, a->type, rights, sizeof(rights));
	out_add(&o, rights);
	out_add(&o, ";");
	if (ace_type_is_object(a->type) && (a->object_flags & ACE_OBJECT_TYPE_PRESENT))
		out_guid(&o, a->object_type);
	out_add(&o, ";");
	if (ace_type_is_object(a->type) &&
	    (a->object_flags & ACE_INHERITED_OBJECT_TYPE_PRESENT))
		out_guid(&o, a->inherited_object_type);
	out_add(&o, ";");
	out_sid(&o, &a->sid);
	return o.full ? -E_LIMIT : 0;
}

int sddl_ace_text(const struct ace *a, enum sddl_rights kind, char **out,
		  struct err *err)
{
	char head[SDDL_ACE_MAX], *app = NULL;
	struct dyn d = { NULL, 0, 0, 0 };
	int rc;

	(void)kind;  /* Windows spells masks the same for every object type */
	*out = NULL;
	rc = ace_head(a, head, sizeof(head));
	if (rc == -E_UNSUPPORTED)
		return err_set(err, rc, "type 0x%02x has no SDDL form", a->type);
	if (rc < 0)
		return err_set(err, -E_INTERNAL, "longer than SDDL_ACE_MAX");
	/* the application data SDDL can spell: a callback ACE's condition,
	 * an RA ACE's attribute (anything else after the SID is not shown,
	 * as Windows does not show it) */
	if (sddl_ace_is_callback(a->type) && a->appdata_len) {
		if (!condexpr_is_conditional(a->appdata, a->appdata_len))
			return err_set(err, -E_UNSUPPORTED,
				       "callback data is not a conditional expression (no \"artx\")");
		rc = condexpr_to_sddl(a->appdata, a->appdata_len, &app, err);
	} else if (a->type == ACE_SYSTEM_RESOURCE_ATTRIBUTE) {
		rc = claim_to_sddl(a->appdata, a->appdata_len, &app, err);
	}
	if (rc < 0)
		return rc;
	dyn_add(&d, head);
	if (app) {
		dyn_add(&d, ";");
		dyn_add(&d, app);
		free(app);
	}
	dyn_add(&d, ")");
	if (d.oom) {
		free(d.p);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	*out = d.p;
	return 0;
}

int sddl_ace_encode(const struct ace *a, enum sddl_rights kind, char *buf,
		    size_t size)
{
	struct out o = { buf, size, 0, 0 };
	char *text = NULL;
	struct err e;
	int rc;

	if (!buf || !size)
		return -E_LIMIT;
	buf[0] = '\0';
	err_init(&e);
	if ((rc = sddl_ace_text(a, kind, &text, &e)) < 0)
		return rc;
	out_add(&o, text);
	free(text);
	return o.full ? -E_LIMIT : 0;
}

static int encode_acl(struct dyn *d, const char *tag, uint16_t control,
		      uint16_t protected_bit, uint16_t req_bit, uint16_t auto_bit,
		      int present, const struct acl *acl, enum sddl_rights kind,
		      struct err *err)
{
	char *ace;
	unsigned i;
	int rc;

	dyn_add(d, tag);
	if (control & protected_bit)
		dyn_add(d, "P");
	if (control & req_bit)
		dyn_add(d, "AR");
	if (control & auto_bit)
		dyn_add(d, "AI");
	if (!present) {
		dyn_add(d, "NO_ACCESS_CONTROL");
		return 0;
	}
	for (i = 0; i < acl->count; i++) {
		rc = sddl_ace_text(&acl->aces[i], kind, &ace, err);
		if (rc < 0)
			return err_wrap(err, "%.1s: ACE %u", tag, i);
		dyn_add(d, ace);
		free(ace);
	}
	return 0;
}

int sddl_encode(const struct secdesc *sd, enum sddl_rights kind, char **out,
		struct err *err)
{
	struct dyn d = { NULL, 0, 0, 0 };
	struct out o;
	char sid[SID_STR_MAX + 4];
	int rc;

	*out = NULL;
	dyn_add(&d, "");
	if (sd->has_owner) {
		o = (struct out){ sid, sizeof(sid), 0, 0 };
		out_add(&o, "O:");
		out_sid(&o, &sd->owner);
		dyn_add(&d, sid);
	}
	if (sd->has_group) {
		o = (struct out){ sid, sizeof(sid), 0, 0 };
		out_add(&o, "G:");
		out_sid(&o, &sd->group);
		dyn_add(&d, sid);
	}
	if (sd->control & SE_DACL_PRESENT) {
		rc = encode_acl(&d, "D:", sd->control, SE_DACL_PROTECTED,
				SE_DACL_AUTO_INHERIT_REQ, SE_DACL_AUTO_INHERITED,
				sd->has_dacl, &sd->dacl, kind, err);
		if (rc < 0)
			goto fail;
	}
	if (sd->control & SE_SACL_PRESENT) {
		rc = encode_acl(&d, "S:", sd->control, SE_SACL_PROTECTED,
				SE_SACL_AUTO_INHERIT_REQ, SE_SACL_AUTO_INHERITED,
				sd->has_sacl, &sd->sacl, kind, err);
		if (rc < 0)
			goto fail;
	}
	if (d.oom) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto fail;
	}
	*out = d.p;
	return 0;
fail:
	free(d.p);
	return rc;
}

