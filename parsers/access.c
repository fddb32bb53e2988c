/* Effective access (MS-DTYP 2.5.3.2 AccessCheck, DACL part), rights
 * names, and the semantic DACL diff.  See access.h for what is modelled. */
#include "access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condexpr.h"
#include "sddl.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct sid owner_rights = { 1, 1, 3, { 4 } };  /* S-1-3-4 */

int token_has(const struct token *t, const struct sid *s)
{
	unsigned i;

	for (i = 0; i < t->count && i < TOKEN_MAX_SIDS; i++)
		if (sid_equal(&t->sids[i], s))
			return 1;
	return 0;
}

int token_add_sid(struct token *t, const struct sid *s, struct err *err)
{
	char str[SID_STR_MAX];

	if (token_has(t, s))
		return 0;
	if (t->count >= TOKEN_MAX_SIDS) {
		sid_to_string(s, str, sizeof(str));
		return err_set(err, -E_LIMIT, "token: no room for %s (TOKEN_MAX_SIDS %u)",
			       str, TOKEN_MAX_SIDS);
	}
	t->sids[t->count++] = *s;
	return 0;
}

int token_add(struct token *t, const char *sid_or_alias, struct err *err)
{
	struct sid s;
	int rc = sid_from_string(sid_or_alias, &s, err);

	if (rc < 0)
		return err_wrap(err, "token");
	return token_add_sid(t, &s, err);
}

uint32_t access_all(enum access_object obj)
{
	if (obj == ACCESS_KEY)
		return KEY_ALL_ACCESS;
	if (obj == ACCESS_COM)
		return COM_RIGHTS_ALL;
	return obj == ACCESS_SERVICE ? SERVICE_ALL_ACCESS : FILE_ALL_ACCESS;
}

uint32_t access_map_generic(uint32_t mask, enum access_object obj)
{
	/* winsvc.h / winnt.h GENERIC_MAPPINGs */
	uint32_t r, w, x, a, out = mask & 0x0fffffffu;

	if (obj == ACCESS_COM) {
		/* COM's mapping: every generic right is EXECUTE; EXECUTE alone
		 * (the pre-XP SP2 form) means local and remote, call and launch */
		if (mask & (ACCESS_GENERIC_READ | ACCESS_GENERIC_WRITE |
			    ACCESS_GENERIC_EXECUTE | ACCESS_GENERIC_ALL))
			out |= COM_RIGHTS_EXECUTE;
		if ((out & COM_RIGHTS_ALL) == COM_RIGHTS_EXECUTE)
			out |= COM_RIGHTS_ALL;
		return out;
	}
	if (obj == ACCESS_KEY) {
		r = KEY_READ;
		w = KEY_WRITE;
		x = KEY_READ;    /* KEY_EXECUTE == KEY_READ */
		a = KEY_ALL_ACCESS;
	} else if (obj == ACCESS_SERVICE) {
		r = ACCESS_READ_CONTROL | SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS |
		    SERVICE_INTERROGATE | SERVICE_ENUMERATE_DEPENDENTS;
		w = ACCESS_READ_CONTROL | SERVICE_CHANGE_CONFIG;
		x = ACCESS_READ_CONTROL | SERVICE_START | SERVICE_STOP |
		    SERVICE_PAUSE_CONTINUE | SERVICE_USER_DEFINED_CONTROL;
		a = SERVICE_ALL_ACCESS;
	} else {
		r = FILE_GENERIC_READ;
		w = FILE_GENERIC_WRITE;
		x = FILE_GENERIC_EXECUTE;
		a = FILE_ALL_ACCESS;
	}
	if (mask & ACCESS_GENERIC_READ)
		out |= r;
	if (mask & ACCESS_GENERIC_WRITE)
		out |= w;
	if (mask & ACCESS_GENERIC_EXECUTE)
		out |= x;
	if (mask & ACCESS_GENERIC_ALL)
		out |= a;
	return out;
}

static int object_ace_applies(const struct ace *a)
{
	/* Without an object-type list only object ACEs that name no object
	 * type take part (MS-DTYP 2.5.3.2). */
	return !(a->object_flags & ACE_OBJECT_TYPE_PRESENT);
}

/* @Resource.x exists when the object's SACL has an RA ACE named x. */
static int resource_exists(void *ctx, const uint8_t *name, size_t len)
{
	const struct secdesc *sd = ctx;
	unsigned i;

	if (!sd->has_sacl)
		return 0;
	for (i = 0; i < sd->sacl.count; i++)
		if (sd->sacl.aces[i].type == ACE_SYSTEM_RESOURCE_ATTRIBUTE &&
		    claim_has_name(sd->sacl.aces[i].appdata, sd->sacl.aces[i].appdata_len, name, len))
			return 1;
	return 0;
}

enum cond_value access_condition(const struct secdesc *sd, const struct ace *a,
				 const struct token *t)
{
	struct cond_env env;

	if (!condexpr_is_conditional(a->appdata, a->appdata_len))
		return COND_UNKNOWN;   /* no condition Windows could evaluate */
	env.sids = t->sids;
	env.nsids = t->count < TOKEN_MAX_SIDS ? t->count : TOKEN_MAX_SIDS;
	env.resource_exists = resource_exists;
	env.ctx = (void *)sd;
	return condexpr_eval(a->appdata, a->appdata_len, &env);
}

uint32_t access_effective(const struct secdesc *sd, const struct token *t,
			  enum access_object obj)
{
	uint32_t granted = 0, denied = 0, m;
	int is_owner, owner_rights_ace = 0;
	unsigned i;

	if (!sd || !t)
		return 0;
	if (!(sd->control & SE_DACL_PRESENT) || !sd->has_dacl)
		return access_all(obj);
	is_owner = sd->has_owner && token_has(t, &sd->owner);
	for (i = 0; i < sd->dacl.count; i++)
		if (!(sd->dacl.aces[i].flags & ACE_INHERIT_ONLY) &&
		    sid_equal(&sd->dacl.aces[i].sid, &owner_rights))
			owner_rights_ace = 1;
	if (is_owner && !owner_rights_ace)
		granted |= ACCESS_READ_CONTROL | ACCESS_WRITE_DAC;
	for (i = 0; i < sd->dacl.count; i++) {
		const struct ace *a = &sd->dacl.aces[i];

		if (a->flags & ACE_INHERIT_ONLY)
			continue;
		if (!token_has(t, &a->sid) &&
		    !(is_owner && sid_equal(&a->sid, &owner_rights)))
			continue;
		m = access_map_generic(a->mask, obj) &
		    ~(ACCESS_MAXIMUM_ALLOWED | ACCESS_SYSTEM_SECURITY);
		switch (a->type) {
		case ACE_ACCESS_ALLOWED_OBJECT:
			if (!object_ace_applies(a))
				break;
			/* fall through */
		case ACE_ACCESS_ALLOWED:
			granted |= m & ~denied;
			break;
		case ACE_ACCESS_DENIED_OBJECT:
			if (!object_ace_applies(a))
				break;
			/* fall through */
		case ACE_ACCESS_DENIED:
			denied |= m & ~granted;
			break;
		/* conditional ACEs: an allow counts when its condition is
		 * TRUE, a deny unless it is FALSE (MS-DTYP 2.5.3.2) */
		case ACE_ACCESS_ALLOWED_CALLBACK_OBJECT:
			if (!object_ace_applies(a))
				break;
			/* fall through */
		case ACE_ACCESS_ALLOWED_CALLBACK:
			if (access_condition(sd, a, t) == COND_TRUE)
				granted |= m & ~denied;
			break;
		case ACE_ACCESS_DENIED_CALLBACK_OBJECT:
			if (!object_ace_applies(a))
				break;
			/* fall through */
		case ACE_ACCESS_DENIED_CALLBACK:
			if (access_condition(sd, a, t) != COND_FALSE)
				denied |= m & ~granted;
			break;
		default:  /* audit, alarm, labels, attributes */
			break;
		}
	}
	return granted;
}

struct bitname {
	uint32_t bit;
	const char *name;
};

static const struct bitname service_names[] = {
	{ SERVICE_QUERY_CONFIG, "QUERY_CONFIG" },
	{ SERVICE_CHANGE_CONFIG, "CHANGE_CONFIG" },
	{ SERVICE_QUERY_STATUS, "QUERY_STATUS" },
	{ SERVICE_ENUMERATE_DEPENDENTS, "ENUMERATE_DEPENDENTS" },
	{ SERVICE_START, "START" },
	{ SERVICE_STOP, "STOP" },
	{ SERVICE_PAUSE_CONTINUE, "PAUSE_CONTINUE" },
	{ SERVICE_INTERROGATE, "INTERROGATE" },
	{ SERVICE_USER_DEFINED_CONTROL, "USER_DEFINED_CONTROL" },
};

static const struct bitname file_names[] = {
	{ FILE_READ_DATA, "READ_DATA" },
	{ FILE_WRITE_DATA, "WRITE_DATA" },
	{ FILE_APPEND_DATA, "APPEND_DATA" },
	{ FILE_READ_EA, "READ_EA" },
	{ FILE_WRITE_EA, "WRITE_EA" },
	{ FILE_EXECUTE, "EXECUTE" },
	{ FILE_DELETE_CHILD, "DELETE_CHILD" },
	{ FILE_READ_ATTRIBUTES, "READ_ATTRIBUTES" },
	{ FILE_WRITE_ATTRIBUTES, "WRITE_ATTRIBUTES" },
};

static const struct bitname dir_names[] = {
	{ FILE_READ_DATA, "LIST_DIRECTORY" },
	{ FILE_WRITE_DATA, "ADD_FILE" },
	{ FILE_APPEND_DATA, "ADD_SUBDIRECTORY" },
	{ FILE_READ_EA, "READ_EA" },
	{ FILE_WRITE_EA, "WRITE_EA" },
	{ FILE_EXECUTE, "TRAVERSE" },
	{ FILE_DELETE_CHILD, "DELETE_CHILD" },
	{ FILE_READ_ATTRIBUTES, "READ_ATTRIBUTES" },
	{ FILE_WRITE_ATTRIBUTES, "WRITE_ATTRIBUTES" },
};

static const struct bitname key_names[] = {
	{ KEY_QUERY_VALUE, "QUERY_VALUE" },
	{ KEY_SET_VALUE, "SET_VALUE" },
	{ KEY_CREATE_SUB_KEY, "CREATE_SUB_KEY" },
	{ KEY_ENUMERATE_SUB_KEYS, "ENUMERATE_SUB_KEYS" },
	{ KEY_NOTIFY, "NOTIFY" },
	{ KEY_CREATE_LINK, "CREATE_LINK" },
};

static const struct bitname com_names[] = {
	{ COM_RIGHTS_EXECUTE, "EXECUTE" },
	{ COM_RIGHTS_EXECUTE_LOCAL, "EXECUTE_LOCAL" },
	{ COM_RIGHTS_EXECUTE_REMOTE, "EXECUTE_REMOTE" },
	{ COM_RIGHTS_ACTIVATE_LOCAL, "ACTIVATE_LOCAL" },
	{ COM_RIGHTS_ACTIVATE_REMOTE, "ACTIVATE_REMOTE" },
};

static const struct bitname common_names[] = {
	{ ACCESS_DELETE, "DELETE" },
	{ ACCESS_READ_CONTROL, "READ_CONTROL" },
	{ ACCESS_WRITE_DAC, "WRITE_DAC" },
	{ ACCESS_WRITE_OWNER, "WRITE_OWNER" },
	{ ACCESS_SYNCHRONIZE, "SYNCHRONIZE" },
	{ ACCESS_SYSTEM_SECURITY, "ACCESS_SYSTEM_SECURITY" },
	{ ACCESS_MAXIMUM_ALLOWED, "MAXIMUM_ALLOWED" },
	{ ACCESS_GENERIC_ALL, "GENERIC_ALL" },
	{ ACCESS_GENERIC_EXECUTE, "GENERIC_EXECUTE" },
	{ ACCESS_GENERIC_WRITE, "GENERIC_WRITE" },
	{ ACCESS_GENERIC_READ, "GENERIC_READ" },
};

static void add_word(char *buf, size_t size, size_t *len, int *full, const char *w)
{
	size_t n = strlen(w) + (*len ? 1 : 0);

	if (*full)
		return;
	if (*len + n >= size) {
		*full = 1;
		return;
	}
	if (*len)
		buf[(*len)++] = '|';
	memcpy(buf + *len, w, strlen(w) + 1);
	*len += strlen(w);
}

int access_rights_names(uint32_t mask, enum access_object obj, char *buf,
			size_t size)
{
	const struct bitname *specific = obj == ACCESS_SERVICE ? service_names :
					 obj == ACCESS_FILE ? file_names :
					 obj == ACCESS_KEY ? key_names :
					 obj == ACCESS_COM ? com_names : dir_names;
	const size_t nspecific = obj == ACCESS_KEY ? ARRAY_LEN(key_names) :
				 obj == ACCESS_COM ? ARRAY_LEN(com_names) : ARRAY_LEN(service_names);
	uint32_t left = mask;
	size_t i, len = 0;
	int full = 0;
	char hex[16];

	if (!buf || !size)
		return -E_LIMIT;
	buf[0] = '\0';
	if (mask == 0) {
		add_word(buf, size, &len, &full, "NONE");
		return full ? -E_LIMIT : 0;
	}
	if (mask == access_all(obj)) {
		add_word(buf, size, &len, &full, "ALL_ACCESS");
		return full ? -E_LIMIT : 0;
	}
	for (i = 0; i < nspecific; i++)
		if (mask & specific[i].bit) {
			add_word(buf, size, &len, &full, specific[i].name);
			left &= ~specific[i].bit;
		}
	for (i = 0; i < ARRAY_LEN(common_names); i++)
		if (mask & common_names[i].bit) {
			add_word(buf, size, &len, &full, common_names[i].name);
			left &= ~common_names[i].bit;
		}
	if (left) {
		snprintf(hex, sizeof(hex), "0x%x", (unsigned)left);
		add_word(buf, size, &len, &full, hex);
	}
	return full ? -E_LIMIT : 0;
}

/* ---- semantic diff ----------------------------------------------------- */

#define INHERIT_FLAGS (ACE_OBJECT_INHERIT | ACE_CONTAINER_INHERIT | \
		       ACE_NO_PROPAGATE_INHERIT | ACE_INHERIT_ONLY)

struct group {
	struct ace key;      /* type, flags & INHERIT_FLAGS, sid, object types */
	uint32_t raw;        /* OR of the masks as written */
	uint32_t mapped;     /* OR of the mapped masks */
};

static int same_group(const struct ace *a, const struct ace *b)
{
	if (a->type != b->type || (a->flags & INHERIT_FLAGS) != (b->flags & INHERIT_FLAGS) ||
	    !sid_equal(&a->sid, &b->sid))
		return 0;
	/* a condition is part of what an ACE means: the same SID under
	 * another condition is another group */
	if (ace_type_is_callback(a->type) &&
	    (a->appdata_len != b->appdata_len ||
	     (a->appdata_len && memcmp(a->appdata, b->appdata, a->appdata_len))))
		return 0;
	if (ace_type_is_object(a->type)) {
		if (a->object_flags != b->object_flags)
			return 0;
		if ((a->object_flags & ACE_OBJECT_TYPE_PRESENT) &&
		    memcmp(a->object_type, b->object_type, 16))
			return 0;
		if ((a->object_flags & ACE_INHERITED_OBJECT_TYPE_PRESENT) &&
		    memcmp(a->inherited_object_type, b->inherited_object_type, 16))
			return 0;
	}
	return 1;
}

static int build_groups(const struct secdesc *sd, enum access_object obj,
			struct group **out, size_t *n, struct err *err)
{
	struct group *g;
	size_t count = 0, j;
	unsigned i;

	*out = NULL;
	*n = 0;
	if (!sd || !(sd->control & SE_DACL_PRESENT) || !sd->has_dacl || !sd->dacl.count)
		return 0;
	g = calloc(sd->dacl.count, sizeof(*g));
	if (!g)
		return err_set(err, -E_NOMEM, "out of memory");
	for (i = 0; i < sd->dacl.count; i++) {
		const struct ace *a = &sd->dacl.aces[i];

		for (j = 0; j < count; j++)
			if (same_group(&g[j].key, a))
				break;
		if (j == count) {
			g[count].key = *a;
			g[count].key.flags &= INHERIT_FLAGS;
			/* borrowed from sd (valid during the diff): the
			 * condition, for comparing and printing */
			if (!ace_type_is_callback(a->type)) {
				g[count].key.appdata = NULL;
				g[count].key.appdata_len = 0;
			}
			g[count].key.mask = 0;
			count++;
		}
		g[j].raw |= a->mask;
		g[j].mapped |= access_map_generic(a->mask, obj);
	}
	*out = g;
	*n = count;
	return 0;
}

static void group_text(const struct group *g, enum access_object obj, char *dst,
		       size_t size)
{
	char fallback[32], *buf = NULL;
	const char *text;
	struct ace a = g->key;

	a.mask = g->raw;
	if (sddl_ace_text(&a, obj == ACCESS_SERVICE ? SDDL_RIGHTS_SERVICE : SDDL_RIGHTS_FILE,
			  &buf, NULL) < 0) {
		snprintf(fallback, sizeof(fallback), "(type 0x%02x)", a.type);
		text = fallback;
	} else {
		text = buf;
	}
	if (strlen(text) >= size && size > 4) {
		memcpy(dst, text, size - 4);
		memcpy(dst + size - 4, "...", 4);
	} else {
		snprintf(dst, size, "%s", text);
	}
	free(buf);
}

int secdesc_diff(const struct secdesc *expected, const struct secdesc *actual,
		 enum access_object obj, struct ace_diff **out, size_t *count,
		 struct err *err)
{
	struct group *ge = NULL, *ga = NULL;
	size_t ne = 0, na = 0, i, j, n = 0;
	struct ace_diff *d = NULL;
	int rc;

	*out = NULL;
	*count = 0;
	if ((rc = build_groups(expected, obj, &ge, &ne, err)) < 0)
		goto done;
	if ((rc = build_groups(actual, obj, &ga, &na, err)) < 0)
		goto done;
	if (ne + na) {
		d = calloc(ne + na, sizeof(*d));
		if (!d) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto done;
		}
	}
	for (i = 0; i < ne; i++) {
		for (j = 0; j < na; j++)
			if (same_group(&ge[i].key, &ga[j].key))
				break;
		if (j < na && ge[i].mapped == ga[j].mapped)
			continue;
		d[n].kind = j < na ? ACE_DIFF_CHANGED : ACE_DIFF_MISSING;
		d[n].sid = ge[i].key.sid;
		d[n].type = ge[i].key.type;
		d[n].flags = ge[i].key.flags;
		d[n].expected_mask = ge[i].mapped;
		group_text(&ge[i], obj, d[n].expected_ace, sizeof(d[n].expected_ace));
		if (j < na) {
			d[n].actual_mask = ga[j].mapped;
			group_text(&ga[j], obj, d[n].actual_ace, sizeof(d[n].actual_ace));
		}
		n++;
	}
	for (j = 0; j < na; j++) {
		for (i = 0; i < ne; i++)
			if (same_group(&ge[i].key, &ga[j].key))
				break;
		if (i < ne)
			continue;
		d[n].kind = ACE_DIFF_EXTRA;
		d[n].sid = ga[j].key.sid;
		d[n].type = ga[j].key.type;
		d[n].flags = ga[j].key.flags;
		d[n].actual_mask = ga[j].mapped;
		group_text(&ga[j], obj, d[n].actual_ace, sizeof(d[n].actual_ace));
		n++;
	}
	if (n == 0) {
		free(d);
		d = NULL;
	}
	*out = d;
	*count = n;
	rc = 0;
done:
	free(ge);
	free(ga);
	return rc;
}
